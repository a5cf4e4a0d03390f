using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Rooms;

internal sealed class RoomReportStore(StorageEngine engine) : IRoomReportStore
{
    public Task<long> AddAsync(UserId reporter, RoomId roomId, EventId? eventId, string? reason, long? score, long receivedTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db => await db.ScalarInt64Async(
            "INSERT INTO room_reports (reporter, room_id, event_id, reason, score, received_ts) VALUES (@reporter, @room_id, @event_id, @reason, @score, @ts) RETURNING id",
            ("reporter", reporter.Value), ("room_id", roomId.Value), ("event_id", eventId?.Value), ("reason", reason), ("score", score), ("ts", receivedTs)) ?? 0,
            cancellationToken);

    public Task<IReadOnlyList<RoomReport>> ListAsync(int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return engine.ReadAsync<IReadOnlyList<RoomReport>>(async db => await db.QueryAsync(
            "SELECT id, reporter, room_id, event_id, reason, score, received_ts FROM room_reports ORDER BY id DESC LIMIT @limit",
            r => new RoomReport(r.GetInt64(0), UserId.Parse(r.GetString(1)), RoomId.Parse(r.GetString(2)),
                r.IsDBNull(3) ? null : EventId.Parse(r.GetString(3)), r.IsDBNull(4) ? null : r.GetString(4),
                r.IsDBNull(5) ? null : r.GetInt64(5), r.GetInt64(6)),
            ("limit", (long)limit)), cancellationToken);
    }
}
