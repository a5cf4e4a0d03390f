using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;
using Myelin.Storage.Streams;

namespace Myelin.Storage.Notifications;

internal sealed class NotificationStore(StorageEngine engine) : INotificationStore
{
    public const string MainThread = "main";

    public Task AddAsync(IReadOnlyList<PushActionRecord> actions, CancellationToken cancellationToken = default)
    {
        if (actions.Count == 0)
        {
            return Task.CompletedTask;
        }
        return engine.WriteAsync(async db =>
        {
            // One multi-row INSERT per event and chunk: a message in a big room notifies hundreds of members.
            foreach (var perEvent in actions.GroupBy(a => a.EventId))
            {
                long? position = await db.ScalarInt64Async("SELECT stream_ordering FROM events WHERE event_id = @event_id", ("event_id", perEvent.Key.Value));
                if (position is null)
                {
                    continue;
                }
                foreach (var chunk in perEvent.Chunk(100))
                {
                    var sql = new System.Text.StringBuilder(
                        "INSERT INTO event_push_actions (user_id, room_id, thread_id, stream_ordering, event_id, notify, highlight) VALUES ");
                    var parameters = new List<(string Name, object? Value)>(chunk.Length * 5 + 2)
                    {
                        ("stream", position.Value),
                        ("event_id", perEvent.Key.Value),
                    };
                    for (int i = 0; i < chunk.Length; i++)
                    {
                        var a = chunk[i];
                        sql.Append(i == 0 ? "" : ", ").Append(System.Globalization.CultureInfo.InvariantCulture,
                            $"(@u{i}, @r{i}, @t{i}, @stream, @event_id, @n{i}, @h{i})");
                        parameters.Add(($"u{i}", a.UserId.Value));
                        parameters.Add(($"r{i}", a.RoomId.Value));
                        parameters.Add(($"t{i}", a.ThreadId));
                        parameters.Add(($"n{i}", a.Notify ? 1L : 0L));
                        parameters.Add(($"h{i}", a.Highlight ? 1L : 0L));
                    }
                    sql.Append(" ON CONFLICT (user_id, event_id) DO NOTHING");
                    await db.ExecuteAsync(sql.ToString(), [.. parameters]);
                }
            }
            return 0;
        }, cancellationToken);
    }

    public Task MarkReadAsync(UserId userId, RoomId roomId, string? threadId, StreamPosition upTo, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => threadId is null
            ? db.ExecuteAsync(
                "DELETE FROM event_push_actions WHERE user_id = @user_id AND room_id = @room_id AND stream_ordering <= @up_to",
                ("user_id", userId.Value), ("room_id", roomId.Value), ("up_to", upTo.Value))
            : db.ExecuteAsync(
                "DELETE FROM event_push_actions WHERE user_id = @user_id AND room_id = @room_id AND thread_id = @thread_id AND stream_ordering <= @up_to",
                ("user_id", userId.Value), ("room_id", roomId.Value), ("thread_id", threadId), ("up_to", upTo.Value)), cancellationToken);

    public Task<IReadOnlyList<UnreadCount>> GetUnreadCountsAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<UnreadCount>>(async db => await db.QueryAsync(
            "SELECT room_id, thread_id, SUM(notify), SUM(highlight) FROM event_push_actions WHERE user_id = @user_id GROUP BY room_id, thread_id",
            r => new UnreadCount(RoomId.Parse(r.GetString(0)), r.GetString(1), Convert.ToInt64(r.GetValue(2), System.Globalization.CultureInfo.InvariantCulture),
                Convert.ToInt64(r.GetValue(3), System.Globalization.CultureInfo.InvariantCulture)),
            ("user_id", userId.Value)), cancellationToken);
}
