using System.Data.Common;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Rooms;

internal sealed class RoomStore(StorageEngine engine) : IRoomStore
{
    public Task<bool> CreateAsync(RoomId roomId, string roomVersion, UserId? creator, long createdTs, bool isPublic = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(roomVersion);
        return engine.WriteAsync(async db => await db.ExecuteAsync(
            "INSERT INTO rooms (room_id, room_version, creator, created_ts, is_public) VALUES (@room_id, @version, @creator, @ts, @public) " +
            "ON CONFLICT (room_id) DO NOTHING",
            ("room_id", roomId.Value), ("version", roomVersion), ("creator", creator?.Value), ("ts", createdTs), ("public", isPublic)) > 0, cancellationToken);
    }

    public Task<RoomRecord?> GetAsync(RoomId roomId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync(
            "SELECT room_id, room_version, creator, created_ts, is_public FROM rooms WHERE room_id = @room_id", Read, ("room_id", roomId.Value)), cancellationToken);

    public Task<bool> SetPublicAsync(RoomId roomId, bool isPublic, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db => await db.ExecuteAsync(
            "UPDATE rooms SET is_public = @public WHERE room_id = @room_id", ("public", isPublic), ("room_id", roomId.Value)) > 0, cancellationToken);

    public Task<PublicRoomsPage> GetPublicRoomsAsync(int limit, long offset = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        return engine.ReadAsync(async db =>
        {
            long total = await db.ScalarInt64Async("SELECT COUNT(*) FROM rooms WHERE is_public = @true", ("true", true)) ?? 0;
            var rooms = await db.QueryAsync(
                "SELECT r.room_id, (SELECT COUNT(*) FROM room_memberships m WHERE m.room_id = r.room_id AND m.membership = 'join') AS joined " +
                "FROM rooms r WHERE r.is_public = @true ORDER BY joined DESC, r.room_id LIMIT @limit OFFSET @offset",
                r => new PublicRoomEntry(RoomId.Parse(r.GetString(0)), r.GetInt64(1)),
                ("true", true), ("limit", (long)limit), ("offset", offset));
            long? next = offset + rooms.Count < total ? offset + rooms.Count : null;
            long? prev = offset > 0 ? Math.Max(0, offset - limit) : null;
            return new PublicRoomsPage(rooms, total, next, prev);
        }, cancellationToken);
    }

    private static RoomRecord Read(DbDataReader r) => new(
        RoomId.Parse(r.GetString(0)),
        r.GetString(1),
        r.IsDBNull(2) ? null : UserId.Parse(r.GetString(2)),
        r.GetInt64(3),
        r.GetFlag(4));
}
