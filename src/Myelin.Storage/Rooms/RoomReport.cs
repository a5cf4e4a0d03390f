using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Rooms;

/// <summary>A user's report of a room or of one of its events. spec: client-server "Reporting content".</summary>
public sealed record RoomReport(long Id, UserId Reporter, RoomId RoomId, EventId? EventId, string? Reason, long? Score, long ReceivedTs);
