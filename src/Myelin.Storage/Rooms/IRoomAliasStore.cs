using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Rooms;

/// <summary>Local room aliases. spec: client-server "Room aliases".</summary>
public interface IRoomAliasStore
{
    /// <summary>Creates the alias; false if it is already taken (the spec's <c>M_UNKNOWN</c>/409 case).</summary>
    Task<bool> CreateAsync(RoomAlias alias, RoomId roomId, UserId creator, long createdTs, CancellationToken cancellationToken = default);

    Task<RoomAliasRecord?> ResolveAsync(RoomAlias alias, CancellationToken cancellationToken = default);

    Task<bool> DeleteAsync(RoomAlias alias, CancellationToken cancellationToken = default);

    /// <summary>The room's local aliases, sorted. spec: "GET /rooms/{roomId}/aliases".</summary>
    Task<IReadOnlyList<RoomAlias>> GetForRoomAsync(RoomId roomId, CancellationToken cancellationToken = default);
}
