using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Rooms;

internal sealed class RoomAliasStore(StorageEngine engine) : IRoomAliasStore
{
    public Task<bool> CreateAsync(RoomAlias alias, RoomId roomId, UserId creator, long createdTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db => await db.ExecuteAsync(
            "INSERT INTO room_aliases (room_alias, room_id, creator, created_ts) VALUES (@alias, @room_id, @creator, @ts) ON CONFLICT (room_alias) DO NOTHING",
            ("alias", alias.Value), ("room_id", roomId.Value), ("creator", creator.Value), ("ts", createdTs)) > 0, cancellationToken);

    public Task<RoomAliasRecord?> ResolveAsync(RoomAlias alias, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync(
            "SELECT room_id, creator, created_ts FROM room_aliases WHERE room_alias = @alias",
            r => new RoomAliasRecord(alias, RoomId.Parse(r.GetString(0)), UserId.Parse(r.GetString(1)), r.GetInt64(2)),
            ("alias", alias.Value)), cancellationToken);

    public Task<bool> DeleteAsync(RoomAlias alias, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db => await db.ExecuteAsync("DELETE FROM room_aliases WHERE room_alias = @alias", ("alias", alias.Value)) > 0, cancellationToken);

    public Task<IReadOnlyList<RoomAlias>> GetForRoomAsync(RoomId roomId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<RoomAlias>>(async db => await db.QueryAsync(
            "SELECT room_alias FROM room_aliases WHERE room_id = @room_id ORDER BY room_alias", r => RoomAlias.Parse(r.GetString(0)),
            ("room_id", roomId.Value)), cancellationToken);
}
