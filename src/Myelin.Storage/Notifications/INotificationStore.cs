using Myelin.Protocol.Identifiers;
using Myelin.Storage.Streams;

namespace Myelin.Storage.Notifications;

/// <summary>
/// The push actions an event produced for each local recipient (Synapse's <c>event_push_actions</c>): the source
/// of a room's unread notification and highlight counts. A read receipt clears the user's actions up to its event.
/// spec: client-server "Receiving notifications", "Threading" (unread_thread_notifications).
/// </summary>
public interface INotificationStore
{
    /// <summary>
    /// Records the actions of persisted events for their recipients (one transaction); positions come from the events.
    /// Each record also enters the recipient's notification history (<see cref="GetNotificationsAsync"/>), and each
    /// notifying one is queued for every http pusher of the recipient (<see cref="Push.IPusherStore.GetDueAsync"/>).
    /// </summary>
    Task AddAsync(IReadOnlyList<PushActionRecord> actions, CancellationToken cancellationToken = default);

    /// <summary>
    /// Clears the user's actions in the room up to and including <paramref name="upTo"/>: in every thread for an
    /// unthreaded receipt (<paramref name="threadId"/> null), else only in that thread (<c>main</c> = the main timeline).
    /// </summary>
    Task MarkReadAsync(UserId userId, RoomId roomId, string? threadId, StreamPosition upTo, CancellationToken cancellationToken = default);

    /// <summary>The user's unread counts per room and thread (thread <c>main</c> for the main timeline).</summary>
    Task<IReadOnlyList<UnreadCount>> GetUnreadCountsAsync(UserId userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The user's notification history, newest first: events before stream position <paramref name="before"/> (all when
    /// null), only highlights when <paramref name="onlyHighlight"/>, at most <paramref name="limit"/>.
    /// spec: client-server "GET /notifications".
    /// </summary>
    Task<IReadOnlyList<UserNotification>> GetNotificationsAsync(UserId userId, StreamPosition? before, int limit, bool onlyHighlight, CancellationToken cancellationToken = default);

    /// <summary>Forgets history entries recorded before <paramref name="olderThanTs"/> (ms since the epoch); returns how many.</summary>
    Task<int> PruneNotificationsAsync(long olderThanTs, CancellationToken cancellationToken = default);
}

/// <summary>One recipient's actions for one event. <see cref="ThreadId"/> is the thread root, or <c>main</c>.</summary>
public sealed record PushActionRecord(UserId UserId, RoomId RoomId, string ThreadId, EventId EventId, bool Notify, bool Highlight)
{
    /// <summary>The matched rule's actions as a JSON array, for /notifications and the push's tweaks.</summary>
    public string Actions { get; init; } = "[\"notify\"]";

    /// <summary>When the notification was generated (ms since the epoch); 0 means now.</summary>
    public long Ts { get; init; }
}

/// <summary>
/// One entry of a user's notification history. <see cref="Read"/> is true once a read receipt covered the event.
/// </summary>
public sealed record UserNotification(RoomId RoomId, EventId EventId, StreamPosition StreamPosition, string Actions, bool Highlight, long Ts, bool Read);

/// <summary>Unread notification and highlight counts of one user in one room's thread (<c>main</c> = main timeline).</summary>
public sealed record UnreadCount(RoomId RoomId, string ThreadId, long NotificationCount, long HighlightCount);
