using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Filters;
using Myelin.Server.Rooms;
using Myelin.Server.Visibility;
using Myelin.Storage;
using Myelin.Storage.Events;

namespace Myelin.Server.Timeline;

/// <summary>
/// Reads a room's timeline for a user: topological pagination (/messages) and event context (/context), with
/// history visibility, ignored users and a RoomEventFilter applied, refilling pages the filters thinned out.
/// </summary>
public sealed class RoomTimeline
{
    /// <summary>How many store pages one request may read looking for visible events before handing back a token.</summary>
    private const int MaxStorePages = 8;

    private readonly MyelinDatabase _database;
    private readonly RoomEvents _events;
    private readonly HistoryVisibility _visibility;

    public RoomTimeline(RoomEvents events, HistoryVisibility visibility)
    {
        _events = events;
        _database = events.Database;
        _visibility = visibility;
    }

    /// <summary>Up to <paramref name="limit"/> visible events beyond <paramref name="from"/> in <paramref name="direction"/>, stopping before <paramref name="to"/>.</summary>
    public async Task<TimelinePage> PaginateAsync(UserId user, RoomId roomId, TopologicalToken from, PaginationDirection direction, int limit,
        TopologicalToken? to, EventFilter? filter, CancellationToken cancellationToken)
    {
        var result = new List<StoredEvent>(limit);
        if (limit <= 0)
        {
            return new TimelinePage(result, from);
        }
        var token = from;
        for (int page = 0; page < MaxStorePages; page++)
        {
            int want = limit - result.Count;
            var chunk = await _database.Events.PaginateAsync(roomId, token, direction, Math.Max(want, 10), to, cancellationToken);
            var visible = await _visibility.FilterVisibleAsync(user, roomId, chunk.Events, cancellationToken);
            var kept = new HashSet<EventId>(visible.Where(e => Matches(filter, e)).Select(e => e.EventId));
            foreach (var e in chunk.Events)
            {
                if (!kept.Contains(e.EventId))
                {
                    continue;
                }
                result.Add(e);
                if (result.Count == limit)
                {
                    // Stopped inside the page: continue right after the last event served (the rest may be more).
                    bool last = e.EventId == chunk.Events[^1].EventId;
                    return new TimelinePage(result, last && chunk.Next is null ? null : e.TopologicalToken);
                }
            }
            if (chunk.Next is not { } next)
            {
                return new TimelinePage(result, null);
            }
            token = next;
        }
        return new TimelinePage(result, token);
    }

    /// <summary>
    /// The member events, in the state before the latest event of <paramref name="events"/>, of the senders of
    /// <paramref name="events"/> (lazy-loading members: spec "Lazy-loading room members").
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> GetSenderMembersAsync(IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return [];
        }
        var latest = events.MaxBy(e => e.TopologicalToken)!;
        var keys = events.Select(e => new StateKey(EventTypes.Member, e.Sender.Value)).Distinct().ToList();
        var states = await _database.State.GetStateBeforeEventsAsync([latest.EventId], keys, cancellationToken);
        var ids = new HashSet<EventId>(states.TryGetValue(latest.EventId, out var state) ? state.Values : []);
        // The latest event may itself be a sender's member event.
        if (latest.Type == EventTypes.Member && latest.StateKey is { } key && keys.Contains(new StateKey(EventTypes.Member, key)))
        {
            if (state is not null && state.TryGetValue(new StateKey(EventTypes.Member, key), out var replaced))
            {
                ids.Remove(replaced);
            }
            ids.Add(latest.EventId);
        }
        var found = await _database.Events.GetEventsAsync(ids, cancellationToken);
        return found.Values.OrderBy(e => e.StateKey, StringComparer.Ordinal).ToList();
    }

    /// <summary>The full room state after <paramref name="eventId"/> as events (type, then state key order).</summary>
    public async Task<IReadOnlyList<StoredEvent>> GetStateAfterAsync(EventId eventId, CancellationToken cancellationToken)
    {
        var state = await _database.State.GetStateAfterEventAsync(eventId, cancellationToken);
        if (state is null)
        {
            return [];
        }
        var found = await _database.Events.GetEventsAsync(state.Values.ToList(), cancellationToken);
        return found.Values.OrderBy(e => e.Type, StringComparer.Ordinal).ThenBy(e => e.StateKey, StringComparer.Ordinal).ToList();
    }

    public RoomEvents Events => _events;

    /// <summary>Whether the event passes the RoomEventFilter (content is only read for <c>contains_url</c>).</summary>
    public static bool Matches(EventFilter? filter, StoredEvent e)
    {
        if (filter is null)
        {
            return true;
        }
        if (filter.ContainsUrl is null)
        {
            return filter.Matches(e.Type, e.Sender.Value, e.RoomId.Value);
        }
        using var document = System.Text.Json.JsonDocument.Parse(e.Json);
        var content = document.RootElement.TryGetProperty("content", out var c) ? c : default;
        return filter.Matches(e.Type, e.Sender.Value, e.RoomId.Value, content);
    }
}
