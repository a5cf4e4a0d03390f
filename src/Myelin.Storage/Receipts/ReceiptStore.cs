using System.Data.Common;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;
using Myelin.Storage.Streams;

namespace Myelin.Storage.Receipts;

internal sealed class ReceiptStore(StorageEngine engine) : IReceiptStore
{
    // Unthreaded receipts use thread_id '' so the primary key covers both kinds.
    private const string Unthreaded = "";
    private const string Columns = "room_id, receipt_type, user_id, thread_id, event_id, ts, stream_position";

    public Task<StreamPosition> SetAsync(RoomId roomId, string receiptType, UserId userId, string? threadId, EventId eventId, long ts, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(receiptType);
        return engine.WriteAsync(async db =>
        {
            var position = await StreamPositions.AdvanceAsync(db, StreamName.Receipts);
            await db.ExecuteAsync(
                "INSERT INTO receipts (room_id, receipt_type, user_id, thread_id, event_id, ts, stream_position) " +
                "VALUES (@room_id, @type, @user_id, @thread_id, @event_id, @ts, @position) " +
                "ON CONFLICT (room_id, receipt_type, user_id, thread_id) DO UPDATE SET event_id = excluded.event_id, ts = excluded.ts, stream_position = excluded.stream_position",
                ("room_id", roomId.Value), ("type", receiptType), ("user_id", userId.Value), ("thread_id", threadId ?? Unthreaded),
                ("event_id", eventId.Value), ("ts", ts), ("position", position.Value));
            return position;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<Receipt>> GetForRoomAsync(RoomId roomId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<Receipt>>(async db => await db.QueryAsync(
            $"SELECT {Columns} FROM receipts WHERE room_id = @room_id ORDER BY stream_position", Read, ("room_id", roomId.Value)), cancellationToken);

    public Task<IReadOnlyList<Receipt>> GetChangedSinceAsync(IReadOnlyCollection<RoomId> roomIds, StreamPosition since, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<Receipt>>(async db =>
        {
            var result = new List<Receipt>();
            foreach (var chunk in roomIds.Select(r => r.Value).Distinct(StringComparer.Ordinal).Chunk(500))
            {
                var (inList, parameters) = DbSession.InList("r", chunk, r => r);
                result.AddRange(await db.QueryAsync(
                    $"SELECT {Columns} FROM receipts WHERE room_id IN ({inList}) AND stream_position > @since", Read,
                    [.. parameters, ("since", since.Value)]));
            }
            result.Sort((a, b) => a.StreamPosition.CompareTo(b.StreamPosition));
            return result;
        }, cancellationToken);

    private static Receipt Read(DbDataReader r) => new(
        RoomId.Parse(r.GetString(0)),
        r.GetString(1),
        UserId.Parse(r.GetString(2)),
        r.GetString(3).Length == 0 ? null : r.GetString(3),
        EventId.Parse(r.GetString(4)),
        r.GetInt64(5),
        new StreamPosition(r.GetInt64(6)));
}
