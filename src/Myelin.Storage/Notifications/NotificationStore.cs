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
            foreach (var a in actions)
            {
                await db.ExecuteAsync(
                    "INSERT INTO event_push_actions (user_id, room_id, thread_id, stream_ordering, event_id, notify, highlight) " +
                    "SELECT @user_id, @room_id, @thread_id, stream_ordering, @event_id, @notify, @highlight FROM events WHERE event_id = @event_id " +
                    "ON CONFLICT (user_id, event_id) DO NOTHING",
                    ("user_id", a.UserId.Value), ("room_id", a.RoomId.Value), ("thread_id", a.ThreadId), ("event_id", a.EventId.Value), ("notify", a.Notify ? 1L : 0L), ("highlight", a.Highlight ? 1L : 0L));
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
