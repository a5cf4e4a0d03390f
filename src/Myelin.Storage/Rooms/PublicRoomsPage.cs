using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Rooms;

/// <summary>A published room and its joined member count (the directory's sort key).</summary>
public sealed record PublicRoomEntry(RoomId RoomId, long JoinedMembers);

/// <summary>
/// One page of the public room directory, most joined members first. The batch tokens are offsets
/// the caller turns into opaque <c>next_batch</c>/<c>prev_batch</c> strings.
/// spec: client-server "GET /publicRooms".
/// </summary>
public sealed record PublicRoomsPage(IReadOnlyList<PublicRoomEntry> Rooms, long TotalRoomCountEstimate, long? NextOffset, long? PrevOffset);
