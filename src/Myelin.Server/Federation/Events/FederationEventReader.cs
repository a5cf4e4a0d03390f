using System.Text.Json.Nodes;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Rooms;
using Myelin.Server.Visibility;
using Myelin.Storage.Events;

namespace Myelin.Server.Federation.Events;

/// <summary>
/// The read side of the room DAG for other servers: auth chains, the backfill and missing-events walks over
/// <c>prev_events</c>, and stored events turned into the PDUs we serve (redacted when redacted here or not visible to
/// the requesting server). Rejected and soft-failed events are never served. spec: server-server "Backfilling and
/// retrieving missing events", "Retrieving events", "Retrieving event authorisation information".
/// </summary>
public sealed class FederationEventReader
{
    /// <summary>The most events one backfill or get_missing_events answer carries (Synapse caps backfill at 100 too).</summary>
    public const int MaxEventsPerRequest = 100;

    private readonly RoomEvents _events;
    private readonly ServerEventVisibility _visibility;

    public FederationEventReader(RoomEvents events, ServerEventVisibility visibility)
    {
        _events = events;
        _visibility = visibility;
    }

    /// <summary>Whether an event may be served at all (exists in our DAG or as an outlier, neither rejected nor soft-failed).</summary>
    public static bool IsServable(StoredEvent e) => !e.IsRejected && !e.IsSoftFailed;

    /// <summary>
    /// The auth chain of events whose auth events are <paramref name="authEventIds"/>: those events and their auth
    /// events, recursively, each once, in no particular order. Events we do not have are left out. From room version 12
    /// on the create event is implied by the room ID and listed in no <c>auth_events</c>; it is added, since whoever
    /// asks for an auth chain needs it to authorise the rest (as with earlier versions).
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> GetAuthChainAsync(RoomId roomId, IEnumerable<EventId> authEventIds, CancellationToken cancellationToken = default)
    {
        var seen = new HashSet<EventId>();
        var chain = new List<StoredEvent>();
        var frontier = authEventIds.Where(seen.Add).ToList();
        if (await _events.GetRoomVersionAsync(roomId, cancellationToken) is { RoomIdIsCreateEventHash: true }
            && await _events.Database.State.GetCurrentStateEventIdAsync(roomId, new StateKey(EventTypes.Create, ""), cancellationToken) is { } create
            && seen.Add(create))
        {
            frontier.Add(create);
        }
        while (frontier.Count > 0)
        {
            var found = await _events.Database.Events.GetEventsAsync(frontier, cancellationToken);
            var next = new List<EventId>();
            foreach (var id in frontier)
            {
                if (!found.TryGetValue(id, out var stored))
                {
                    continue;
                }
                chain.Add(stored);
                var pdu = await _events.ToPduAsync(stored, cancellationToken);
                next.AddRange(pdu.AuthEvents.Where(seen.Add));
            }
            frontier = next;
        }
        return chain;
    }

    /// <summary>
    /// Backfill: the events in <paramref name="from"/> and the events before them (walking <c>prev_events</c>, deepest
    /// first), up to <paramref name="limit"/> events, newest first. Events of other rooms and unknown events are
    /// skipped; the walk does not pass through rejected, soft-failed or outlier events.
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> GetBackfillAsync(RoomId roomId, IReadOnlyCollection<EventId> from, int limit, CancellationToken cancellationToken = default)
    {
        limit = Math.Min(limit, MaxEventsPerRequest);
        var result = new List<StoredEvent>();
        var seen = new HashSet<EventId>(from);
        // Max-depth first, then the later stream position: the newest of what is left.
        var queue = new PriorityQueue<StoredEvent, (long, long)>(Comparer<(long, long)>.Create((a, b) => b.CompareTo(a)));
        foreach (var e in (await _events.Database.Events.GetEventsAsync(from.ToList(), cancellationToken)).Values)
        {
            queue.Enqueue(e, (e.Depth, e.StreamPosition.Value));
        }
        while (result.Count < limit && queue.TryDequeue(out var e, out _))
        {
            if (e.RoomId != roomId || e.IsOutlier || !IsServable(e))
            {
                continue;
            }
            result.Add(e);
            var pdu = await _events.ToPduAsync(e, cancellationToken);
            var prev = pdu.PrevEvents.Where(seen.Add).ToList();
            if (prev.Count == 0)
            {
                continue;
            }
            foreach (var p in (await _events.Database.Events.GetEventsAsync(prev, cancellationToken)).Values)
            {
                queue.Enqueue(p, (p.Depth, p.StreamPosition.Value));
            }
        }
        return result;
    }

    /// <summary>
    /// get_missing_events: a breadth-first walk of the <c>prev_events</c> of <paramref name="latest"/>, not returning or
    /// passing <paramref name="earliest"/>, nor events shallower than <paramref name="minDepth"/>, up to
    /// <paramref name="limit"/> events, oldest first (the walk's order reversed: approximately chronological).
    /// spec: backfill.yaml "/get_missing_events".
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> GetMissingEventsAsync(RoomId roomId, IReadOnlyCollection<EventId> earliest, IReadOnlyCollection<EventId> latest,
        int limit, long minDepth, CancellationToken cancellationToken = default)
    {
        limit = Math.Min(limit, MaxEventsPerRequest);
        var seen = new HashSet<EventId>(earliest);
        var result = new List<StoredEvent>();
        var front = latest.Where(id => !seen.Contains(id)).Distinct().ToList();
        foreach (var id in front)
        {
            seen.Add(id);
        }
        var frontEvents = await _events.Database.Events.GetEventsAsync(front, cancellationToken);
        while (frontEvents.Count > 0 && result.Count < limit)
        {
            var prev = new List<EventId>();
            foreach (var id in front)
            {
                if (!frontEvents.TryGetValue(id, out var e) || e.RoomId != roomId)
                {
                    continue;
                }
                var pdu = await _events.ToPduAsync(e, cancellationToken);
                prev.AddRange(pdu.PrevEvents.Where(seen.Add));
            }
            var found = await _events.Database.Events.GetEventsAsync(prev, cancellationToken);
            var nextFront = new List<EventId>();
            foreach (var id in prev)
            {
                if (result.Count >= limit)
                {
                    break;
                }
                if (!found.TryGetValue(id, out var e) || e.RoomId != roomId || e.IsOutlier || !IsServable(e) || e.Depth < minDepth)
                {
                    continue;
                }
                result.Add(e);
                nextFront.Add(id);
            }
            front = nextFront;
            frontEvents = found;
        }
        result.Reverse();
        return result;
    }

    /// <summary>
    /// The PDUs to serve <paramref name="origin"/> for <paramref name="events"/> (of <paramref name="roomId"/>): each
    /// redacted when it was redacted here or, with <paramref name="applyVisibility"/>, when history visibility hides it
    /// from <paramref name="origin"/>'s users.
    /// </summary>
    public async Task<JsonArray> ToPdusAsync(RoomId roomId, ServerName origin, IReadOnlyList<StoredEvent> events, bool applyVisibility, CancellationToken cancellationToken = default)
    {
        var visible = applyVisibility ? await _visibility.CheckVisibleAsync(roomId, origin, events, cancellationToken) : null;
        var array = new JsonArray();
        for (int i = 0; i < events.Count; i++)
        {
            array.Add(await ToPduJsonAsync(events[i], redact: visible is not null && !visible[i], cancellationToken));
        }
        return array;
    }

    /// <summary>One stored event as the PDU we serve: its exact JSON, or its redacted form.</summary>
    public async Task<JsonNode> ToPduJsonAsync(StoredEvent e, bool redact, CancellationToken cancellationToken = default)
    {
        if (!redact && e.RedactedBy is null)
        {
            return JsonNode.Parse(e.Json.Span)!;
        }
        var version = await _events.GetRoomVersionAsync(e.RoomId, cancellationToken)
            ?? throw new InvalidOperationException($"Event {e.EventId} is in unknown room {e.RoomId}.");
        return JsonNode.Parse(EventRedaction.Redact(e.Json.Span, version))!;
    }
}
