using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Push;

/// <summary>
/// Pushers and the durable queue of pushes to their push gateways. Pushes are enqueued together with the push
/// actions that caused them (<see cref="Notifications.INotificationStore.AddAsync"/>), so a restart loses none.
/// spec: client-server "Push Notifications"; push-gateway "POST /_matrix/push/v1/notify".
/// </summary>
public interface IPusherStore
{
    /// <summary>The user's pushers, oldest first.</summary>
    Task<IReadOnlyList<Pusher>> GetForUserAsync(UserId userId, CancellationToken cancellationToken = default);

    Task<Pusher?> GetAsync(UserId userId, string appId, string pushkey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates or updates the user's pusher with this app ID and pushkey (an update keeps <see cref="Pusher.PushkeyTs"/>).
    /// Unless <paramref name="append"/>, other users' pushers with the same app ID and pushkey are deleted
    /// (spec: <c>append</c>); returns how many were.
    /// </summary>
    Task<int> SetAsync(Pusher pusher, bool append, CancellationToken cancellationToken = default);

    /// <summary>Deletes the pusher and its queued pushes; false when it did not exist.</summary>
    Task<bool> DeleteAsync(UserId userId, string appId, string pushkey, CancellationToken cancellationToken = default);

    /// <summary>Deletes every pusher of the user (deactivation) with their queued pushes.</summary>
    Task<int> DeleteForUserAsync(UserId userId, CancellationToken cancellationToken = default);

    /// <summary>Queued pushes due at <paramref name="nowTs"/>, oldest first per pusher, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<PushQueueEntry>> GetDueAsync(long nowTs, int limit, CancellationToken cancellationToken = default);

    /// <summary>When the next queued push is due (ms since the epoch), or null when the queue is empty.</summary>
    Task<long?> GetNextDueTsAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes a delivered (or abandoned) push from the queue.</summary>
    Task CompleteAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Records a failed attempt: the push is tried again at <paramref name="nextAttemptTs"/>.</summary>
    Task PostponeAsync(long id, int attempts, long nextAttemptTs, string error, CancellationToken cancellationToken = default);

    /// <summary>How many pushes are queued (for metrics and tests).</summary>
    Task<long> CountQueuedAsync(CancellationToken cancellationToken = default);
}
