using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Rooms;
using Myelin.Server.Streams;
using Myelin.Server.Sync;
using Myelin.Server.Visibility;
using Myelin.Storage;
using Myelin.Storage.Events;
using Myelin.Storage.Streams;

namespace Myelin.Server.Timeline;

/// <summary>
/// The deprecated event stream (spec: old_sync.yaml "GET /events", peeking_events.yaml): the room events after a sync
/// token in the user's rooms (or in one peeked room), long-polling until one arrives. Tokens are <see cref="SyncToken"/>s,
/// so /initialSync's and /sync's tokens continue here and the other way round.
/// </summary>
public sealed class EventStream
{
    /// <summary>At most this many events per answer; the <c>end</c> token then continues after the last one.</summary>
    public const int MaxEvents = 100;

    private readonly MyelinDatabase _database;
    private readonly HistoryVisibility _visibility;
    private readonly Notifier _notifier;
    private readonly SyncService _sync;
    private readonly TimeProvider _time;

    public EventStream(RoomEvents events, HistoryVisibility visibility, Notifier notifier, SyncService sync, TimeProvider time)
    {
        _database = events.Database;
        _visibility = visibility;
        _notifier = notifier;
        _sync = sync;
        _time = time;
    }

    /// <summary>
    /// The visible events after <paramref name="from"/> (now when null), waiting up to <paramref name="timeout"/> for one;
    /// with <paramref name="peekRoom"/> only that room's. Returns the events (oldest first), the token they follow and the
    /// token to continue from.
    /// </summary>
    public async Task<EventStreamPage> ReadAsync(UserId user, SyncToken? from, RoomId? peekRoom, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var start = from ?? await _sync.GetCurrentTokenAsync(cancellationToken);
        var since = start;
        var deadline = _time.GetUtcNow() + timeout;
        while (true)
        {
            IReadOnlyList<RoomId> rooms = peekRoom is { } peek ? [peek] : await _database.Memberships.GetRoomsForUserAsync(user, Membership.Join, cancellationToken);
            // Register before reading: an event committed while this request reads still wakes it.
            using var waiter = _notifier.Register(user, rooms);
            var (events, end) = await ReadOnceAsync(user, since, rooms, peekRoom is not null, cancellationToken);
            var remaining = deadline - _time.GetUtcNow();
            if (events.Count > 0 || remaining <= TimeSpan.Zero || !await waiter.WaitAsync(remaining, cancellationToken))
            {
                return new EventStreamPage(events, start, end);
            }
            since = end;
        }
    }

    private async Task<(IReadOnlyList<StoredEvent> Events, SyncToken End)> ReadOnceAsync(UserId user, SyncToken since, IReadOnlyList<RoomId> joined,
        bool peeking, CancellationToken cancellationToken)
    {
        var now = await _sync.GetCurrentTokenAsync(cancellationToken);
        var upTo = new StreamPosition(Math.Max(now.Events, since.Events));
        var rooms = new HashSet<RoomId>(joined);
        if (!peeking)
        {
            // Rooms the user left, was invited to or was banned from in the window: their own membership event (and,
            // for a leave, what they saw before it) belongs to the stream too.
            foreach (var change in await _database.Memberships.GetMembershipChangesAsync(user, new StreamPosition(since.Events), upTo, cancellationToken))
            {
                rooms.Add(change.RoomId);
            }
        }
        var chunk = await _database.Events.GetEventsSinceAsync(rooms, new StreamPosition(since.Events), upTo, MaxEvents, cancellationToken);
        var visible = new List<StoredEvent>(chunk.Events.Count);
        foreach (var byRoom in chunk.Events.GroupBy(e => e.RoomId))
        {
            var allowed = new HashSet<EventId>((await _visibility.FilterVisibleAsync(user, byRoom.Key, byRoom.ToList(), cancellationToken)).Select(e => e.EventId));
            foreach (var e in byRoom)
            {
                // An invite is addressed to its target even where the history is hidden from them.
                if (allowed.Contains(e.EventId) || (e.Type == EventTypes.Member && e.StateKey == user.Value))
                {
                    visible.Add(e);
                }
            }
        }
        visible.Sort((a, b) => a.StreamPosition.CompareTo(b.StreamPosition));
        long endPosition = chunk.Limited ? chunk.Events[^1].StreamPosition.Value : upTo.Value;
        return (visible, now.Max(since) with { Events = endPosition });
    }
}
