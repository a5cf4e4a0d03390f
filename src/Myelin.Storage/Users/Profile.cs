using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Users;

/// <summary>A local user's global profile. spec: client-server "Profiles".</summary>
public sealed record Profile(UserId UserId, string? DisplayName, string? AvatarUrl);
