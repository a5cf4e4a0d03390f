using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Rooms;

/// <summary>Rooms and their room-directory visibility.</summary>
public interface IRoomStore
{
    /// <summary>Records a room; false if it already exists (nothing changes).</summary>
    Task<bool> CreateAsync(RoomId roomId, string roomVersion, UserId? creator, long createdTs, bool isPublic = false, CancellationToken cancellationToken = default);

    Task<RoomRecord?> GetAsync(RoomId roomId, CancellationToken cancellationToken = default);

    /// <summary>Publishes or unpublishes the room in the directory; false for an unknown room.
    /// spec: client-server "PUT /directory/list/room/{roomId}".</summary>
    Task<bool> SetPublicAsync(RoomId roomId, bool isPublic, CancellationToken cancellationToken = default);

    /// <summary>A page of published rooms ordered by joined members (descending), then room ID.</summary>
    Task<PublicRoomsPage> GetPublicRoomsAsync(int limit, long offset = 0, CancellationToken cancellationToken = default);
}
