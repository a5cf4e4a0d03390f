using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Rooms;

/// <summary>A room this server knows. <see cref="IsPublic"/> is its published visibility in the room directory.</summary>
public sealed record RoomRecord(RoomId RoomId, string RoomVersion, UserId? Creator, long CreatedTs, bool IsPublic);
