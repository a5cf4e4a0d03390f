using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Presence;

/// <summary>
/// A user's presence as last set or observed: <c>online</c>, <c>unavailable</c> or <c>offline</c>, with an optional
/// status message. <see cref="StreamPosition"/> is where its last visible change sits on the presence stream.
/// spec: client-server "Presence".
/// </summary>
public sealed record PresenceStatus(UserId UserId, string Presence, string? StatusMessage, long LastActiveTs, bool CurrentlyActive, long StreamPosition);
