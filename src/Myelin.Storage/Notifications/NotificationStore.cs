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
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
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
                foreach (var a in perEvent)
                {
                    long ts = a.Ts > 0 ? a.Ts : now;
                    int added = await db.ExecuteAsync(
                        "INSERT INTO user_notifications (user_id, event_id, room_id, stream_ordering, actions, highlight, ts) " +
                        "VALUES (@user_id, @event_id, @room_id, @stream, @actions, @highlight, @ts) ON CONFLICT (user_id, event_id) DO NOTHING",
                        ("user_id", a.UserId.Value), ("event_id", a.EventId.Value), ("room_id", a.RoomId.Value), ("stream", position.Value),
                        ("actions", a.Actions), ("highlight", a.Highlight ? 1L : 0L), ("ts", ts));
                    if (added > 0 && a.Notify)
                    {
                        // The push is queued in the same transaction as the action: a crash cannot lose it.
                        await db.ExecuteAsync(
                            "INSERT INTO push_queue (user_id, app_id, pushkey, event_id, attempts, next_attempt_ts, created_ts) " +
                            "SELECT user_id, app_id, pushkey, @event_id, 0, @ts, @ts FROM pushers WHERE user_id = @user_id AND kind = 'http'",
                            ("event_id", a.EventId.Value), ("ts", ts), ("user_id", a.UserId.Value));
                    }
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

    public Task<IReadOnlyList<UserNotification>> GetNotificationsAsync(UserId userId, StreamPosition? before, int limit, bool onlyHighlight, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        string highlight = onlyHighlight ? " AND n.highlight = 1" : "";
        return engine.ReadAsync<IReadOnlyList<UserNotification>>(async db => await db.QueryAsync(
            "SELECT n.room_id, n.event_id, n.stream_ordering, n.actions, n.highlight, n.ts, " +
            "CASE WHEN a.event_id IS NULL THEN 1 ELSE 0 END FROM user_notifications n " +
            "LEFT JOIN event_push_actions a ON a.user_id = n.user_id AND a.event_id = n.event_id " +
            $"WHERE n.user_id = @user_id AND n.stream_ordering < @before{highlight} ORDER BY n.stream_ordering DESC LIMIT @limit",
            r => new UserNotification(RoomId.Parse(r.GetString(0)), EventId.Parse(r.GetString(1)), new StreamPosition(r.GetInt64(2)), r.GetString(3),
                r.GetFlag(4), r.GetInt64(5), r.GetFlag(6)),
            ("user_id", userId.Value), ("before", before?.Value ?? long.MaxValue), ("limit", (long)limit)), cancellationToken);
    }

    public Task<int> PruneNotificationsAsync(long olderThanTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => db.ExecuteAsync("DELETE FROM user_notifications WHERE ts < @ts", ("ts", olderThanTs)), cancellationToken);
}
