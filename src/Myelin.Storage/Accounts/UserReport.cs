using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Accounts;

/// <summary>A user's report about another user, for the server admins. spec: client-server "POST /users/{userId}/report".</summary>
public sealed record UserReport(long Id, UserId Reporter, UserId Target, string Reason, long ReceivedTs);
