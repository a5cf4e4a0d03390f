using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.StateResolution;

/// <summary>
/// State resolution v2 (room versions 2–11) and v2.1 (room version 12), one method per step of the spec.
/// spec: rooms/fragments/v2-state-res.md; rooms/v12 "State resolution".
/// </summary>
internal static class StateResolutionV2
{
    private static readonly StateKey PowerLevelsKey = new(EventTypes.PowerLevels, "");
    private static readonly StateKey CreateKey = new(EventTypes.Create, "");

    public static Dictionary<StateKey, EventId> Resolve(
        RoomVersion version, IReadOnlyList<IReadOnlyDictionary<StateKey, EventId>> stateSets, EventSource events, AuthRulesOptions options)
    {
        var (unconflicted, conflicted) = SeparateConflicts(stateSets);
        if (conflicted.Count == 0)
        {
            return unconflicted;
        }

        var full = FullConflictedSet(version, stateSets, unconflicted, conflicted, events);

        // Step 1: power events and the parts of their auth chains inside the full conflicted set.
        var powerEvents = full.Where(id => IsPowerEvent(events.Get(id))).ToList();
        var powerSet = new HashSet<EventId>(powerEvents);
        foreach (var ancestor in AuthAncestors(powerEvents, events))
        {
            if (full.Contains(ancestor))
            {
                powerSet.Add(ancestor);
            }
        }
        var sortedPower = ReverseTopologicalPowerOrdering(powerSet, events);

        // Step 2: v2 starts from the unconflicted state map, v2.1 from empty state.
        var start = version.StateResolution == StateResolutionAlgorithm.V2_1 ? [] : new Dictionary<StateKey, EventId>(unconflicted);
        var partial = IterativeAuthChecks(sortedPower, start, events, options);

        // Step 3–4: everything else, in mainline order of the resolved power levels.
        var rest = full.Where(id => !powerSet.Contains(id));
        var sortedRest = MainlineOrdering(rest, partial.TryGetValue(PowerLevelsKey, out var pl) ? pl : null, events);
        partial = IterativeAuthChecks(sortedRest, partial, events, options);

        // Step 5: the unconflicted state map wins.
        foreach (var (key, id) in unconflicted)
        {
            partial[key] = id;
        }
        return partial;
    }

    /// <summary>
    /// Splits the state sets into the unconflicted state map (keys present in every set with the same event) and the
    /// conflicted state set (every event of every other key). spec: "Unconflicted state map and conflicted state set".
    /// </summary>
    public static (Dictionary<StateKey, EventId> Unconflicted, HashSet<EventId> Conflicted) SeparateConflicts(
        IReadOnlyList<IReadOnlyDictionary<StateKey, EventId>> stateSets)
    {
        var unconflicted = new Dictionary<StateKey, EventId>();
        var conflicted = new HashSet<EventId>();
        if (stateSets.Count == 0)
        {
            return (unconflicted, conflicted);
        }
        var keys = new HashSet<StateKey>();
        foreach (var set in stateSets)
        {
            keys.UnionWith(set.Keys);
        }
        foreach (var key in keys)
        {
            EventId? first = null;
            bool same = true;
            foreach (var set in stateSets)
            {
                if (!set.TryGetValue(key, out var id))
                {
                    same = false;
                    continue;
                }
                if (first is null)
                {
                    first = id;
                }
                else if (first != id)
                {
                    same = false;
                }
            }
            if (same)
            {
                unconflicted[key] = first!.Value;
                continue;
            }
            foreach (var set in stateSets)
            {
                if (set.TryGetValue(key, out var id))
                {
                    conflicted.Add(id);
                }
            }
        }
        return (unconflicted, conflicted);
    }

    /// <summary>
    /// The full conflicted set: the conflicted state set, the auth difference and (v2.1) the conflicted state subgraph.
    /// </summary>
    public static HashSet<EventId> FullConflictedSet(
        RoomVersion version, IReadOnlyList<IReadOnlyDictionary<StateKey, EventId>> stateSets,
        IReadOnlyDictionary<StateKey, EventId> unconflicted, HashSet<EventId> conflicted, EventSource events)
    {
        var full = new HashSet<EventId>(conflicted);
        full.UnionWith(AuthDifference(stateSets, unconflicted, events));
        if (version.StateResolution == StateResolutionAlgorithm.V2_1)
        {
            full.UnionWith(ConflictedStateSubgraph(conflicted, events));
        }
        return full;
    }

    /// <summary>
    /// ∪Cᵢ − ∩Cᵢ where Cᵢ is the full auth chain of state set i (taken, as Synapse does, to include the set's own
    /// events, which only matters for events that are conflicted anyway). spec: "Auth difference".
    /// </summary>
    /// <remarks>
    /// Everything reachable from the unconflicted events is in every Cᵢ, so it is computed once and each set's walk
    /// stops there: the cost is one pass over the shared auth chain plus the sets' conflicted parts.
    /// </remarks>
    public static HashSet<EventId> AuthDifference(
        IReadOnlyList<IReadOnlyDictionary<StateKey, EventId>> stateSets, IReadOnlyDictionary<StateKey, EventId> unconflicted, EventSource events)
    {
        var common = new HashSet<EventId>(unconflicted.Values);
        Walk(unconflicted.Values, events, common, stopAt: null);

        var chains = new List<HashSet<EventId>>(stateSets.Count);
        foreach (var set in stateSets)
        {
            var chain = new HashSet<EventId>();
            var starts = set.Values.Where(id => !common.Contains(id)).ToList();
            chain.UnionWith(starts);
            Walk(starts, events, chain, common);
            chains.Add(chain);
        }
        var union = new HashSet<EventId>();
        foreach (var chain in chains)
        {
            union.UnionWith(chain);
        }
        var difference = new HashSet<EventId>();
        foreach (var id in union)
        {
            if (!chains.TrueForAll(c => c.Contains(id)))
            {
                difference.Add(id);
            }
        }
        return difference;
    }

    /// <summary>The auth chain of one event: its auth events, theirs, and so on. spec: "Auth chain".</summary>
    public static HashSet<EventId> AuthChain(EventId id, EventSource events)
    {
        var chain = new HashSet<EventId>();
        Walk([id], events, chain, stopAt: null);
        return chain;
    }

    /// <summary>Every event reachable through auth_events from <paramref name="starts"/> (excluding the starts).</summary>
    private static HashSet<EventId> AuthAncestors(IEnumerable<EventId> starts, EventSource events)
    {
        var seen = new HashSet<EventId>();
        Walk(starts, events, seen, stopAt: null);
        return seen;
    }

    /// <summary>Adds to <paramref name="visited"/> the auth ancestors of <paramref name="starts"/>, not entering
    /// events in <paramref name="stopAt"/>.</summary>
    private static void Walk(IEnumerable<EventId> starts, EventSource events, HashSet<EventId> visited, HashSet<EventId>? stopAt)
    {
        var stack = new Stack<EventId>(starts);
        while (stack.Count > 0)
        {
            var pdu = events.Get(stack.Pop());
            foreach (var auth in pdu.AuthEvents)
            {
                if (stopAt?.Contains(auth) == true || !visited.Add(auth))
                {
                    continue;
                }
                stack.Push(auth);
            }
        }
    }

    /// <summary>
    /// v2.1: the events on auth_events paths from one conflicted event to another, endpoints included.
    /// An event is on such a path when it is reachable from a conflicted event and a conflicted event is reachable
    /// from it. spec: rooms/v12 "Conflicted state subgraph".
    /// </summary>
    public static HashSet<EventId> ConflictedStateSubgraph(HashSet<EventId> conflicted, EventSource events)
    {
        // Everything reachable from the conflicted events (they themselves included).
        var reachable = new HashSet<EventId>(conflicted);
        Walk(conflicted, events, reachable, stopAt: null);

        // Which of those reach a conflicted event, computed bottom-up with an explicit stack.
        var reaches = new Dictionary<EventId, bool>();
        foreach (var start in reachable)
        {
            if (reaches.ContainsKey(start))
            {
                continue;
            }
            var stack = new Stack<(EventId Id, bool Expanded)>();
            stack.Push((start, false));
            while (stack.Count > 0)
            {
                var (id, expanded) = stack.Pop();
                if (reaches.ContainsKey(id))
                {
                    continue;
                }
                var pdu = events.Get(id);
                if (!expanded)
                {
                    stack.Push((id, true));
                    foreach (var auth in pdu.AuthEvents)
                    {
                        if (!reaches.ContainsKey(auth))
                        {
                            stack.Push((auth, false));
                        }
                    }
                    continue;
                }
                bool result = false;
                foreach (var auth in pdu.AuthEvents)
                {
                    if ((reaches.TryGetValue(auth, out bool r) && r) || conflicted.Contains(auth))
                    {
                        result = true;
                        break;
                    }
                }
                reaches[id] = result;
            }
        }
        var subgraph = new HashSet<EventId>(conflicted);
        foreach (var id in reachable)
        {
            if (reaches[id])
            {
                subgraph.Add(id);
            }
        }
        return subgraph;
    }

    /// <summary>spec: "Power events" — power levels, join rules, and kicks or bans (leave/ban by someone else).</summary>
    public static bool IsPowerEvent(Pdu pdu)
    {
        if (pdu.StateKey is null)
        {
            return false;
        }
        if (pdu.Type is EventTypes.PowerLevels or EventTypes.JoinRules)
        {
            return pdu.StateKey.Length == 0;
        }
        if (pdu.Type != EventTypes.Member || pdu.StateKey == pdu.Sender.Value)
        {
            return false;
        }
        string? membership = AuthRules.ReadMembership(pdu);
        return membership is Membership.Leave or Membership.Ban;
    }

    /// <summary>
    /// Kahn's algorithm over the auth DAG restricted to <paramref name="eventIds"/>, earliest first, choosing among
    /// ready events by sender power level (descending, from the event's own auth events), then origin_server_ts, then
    /// event ID. spec: "Reverse topological power ordering".
    /// </summary>
    public static List<EventId> ReverseTopologicalPowerOrdering(IReadOnlyCollection<EventId> eventIds, EventSource events)
    {
        var set = eventIds as HashSet<EventId> ?? [.. eventIds];
        var pending = new Dictionary<EventId, int>(set.Count);
        var children = new Dictionary<EventId, List<EventId>>(set.Count);
        var queue = new PriorityQueue<EventId, (long NegLevel, long Ts, string Id)>(TieBreak.Instance);
        foreach (var id in set)
        {
            var pdu = events.Get(id);
            int count = 0;
            foreach (var auth in pdu.AuthEvents.Distinct())
            {
                if (set.Contains(auth))
                {
                    count++;
                    if (!children.TryGetValue(auth, out var list))
                    {
                        children[auth] = list = [];
                    }
                    list.Add(id);
                }
            }
            pending[id] = count;
        }
        foreach (var (id, count) in pending)
        {
            if (count == 0)
            {
                queue.Enqueue(id, SortKey(id, events));
            }
        }
        var sorted = new List<EventId>(set.Count);
        while (queue.TryDequeue(out var id, out _))
        {
            sorted.Add(id);
            if (!children.TryGetValue(id, out var list))
            {
                continue;
            }
            foreach (var child in list)
            {
                if (--pending[child] == 0)
                {
                    queue.Enqueue(child, SortKey(child, events));
                }
            }
        }
        return sorted;
    }

    private static (long NegLevel, long Ts, string Id) SortKey(EventId id, EventSource events)
    {
        var pdu = events.Get(id);
        var levels = PowerLevels.From(events.PowerLevelsAuthEvent(pdu), events.CreateEventFor(pdu), pdu.RoomVersion);
        long level = levels.GetUserLevel(pdu.Sender);
        return (-level, pdu.OriginServerTs, id.Value);
    }

    /// <summary>Ascending by the tuple, event IDs compared as code points.</summary>
    private sealed class TieBreak : IComparer<(long NegLevel, long Ts, string Id)>
    {
        public static readonly TieBreak Instance = new();

        public int Compare((long NegLevel, long Ts, string Id) x, (long NegLevel, long Ts, string Id) y)
        {
            int c = x.NegLevel.CompareTo(y.NegLevel);
            if (c != 0)
            {
                return c;
            }
            c = x.Ts.CompareTo(y.Ts);
            return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
        }
    }

    /// <summary>
    /// Applies each event in order if the auth rules allow it against the partially resolved state, taking keys the
    /// state lacks (or holds a rejected event for) from the event's own non-rejected auth events.
    /// spec: "Iterative auth checks".
    /// </summary>
    public static Dictionary<StateKey, EventId> IterativeAuthChecks(
        IEnumerable<EventId> sorted, Dictionary<StateKey, EventId> state, EventSource events, AuthRulesOptions options)
    {
        foreach (var id in sorted)
        {
            var pdu = events.Get(id);
            if (pdu.StateTuple is not { } key)
            {
                continue;
            }
            Dictionary<StateKey, Pdu>? fromAuthEvents = null;
            Pdu? Lookup(StateKey k)
            {
                if (state.TryGetValue(k, out var current) && !events.IsRejected(current))
                {
                    return events.Get(current);
                }
                if (fromAuthEvents is null)
                {
                    fromAuthEvents = [];
                    foreach (var authId in pdu.AuthEvents)
                    {
                        var auth = events.Get(authId);
                        if (auth.StateTuple is { } ak && !events.IsRejected(authId))
                        {
                            fromAuthEvents[ak] = auth;
                        }
                    }
                }
                if (fromAuthEvents.TryGetValue(k, out var fromAuth))
                {
                    return fromAuth;
                }
                // v12: the create event is implied by the room ID, not listed in auth_events.
                return k == CreateKey && pdu.RoomVersion.RoomIdIsCreateEventHash ? events.CreateEventFor(pdu) : null;
            }
            if (AuthRules.Check(pdu, Lookup, options).IsAllowed)
            {
                state[key] = id;
            }
        }
        return state;
    }

    /// <summary>
    /// Orders events by their mainline position relative to <paramref name="powerLevels"/> (earlier mainline first,
    /// events reaching no mainline event before all), then origin_server_ts, then event ID. spec: "Mainline ordering".
    /// </summary>
    public static List<EventId> MainlineOrdering(IEnumerable<EventId> eventIds, EventId? powerLevels, EventSource events)
    {
        var mainline = new Dictionary<EventId, int>();
        for (var p = powerLevels is { } start ? events.Get(start) : null; p is not null; p = events.PowerLevelsAuthEvent(p))
        {
            if (!mainline.TryAdd(p.EventId, mainline.Count))
            {
                break;
            }
        }
        // Mainline position of the events whose power_levels auth event is the key (memoised along the walk).
        var positionAfter = new Dictionary<EventId, int>();
        int Position(Pdu pdu)
        {
            var path = new List<EventId>();
            int position = int.MaxValue;
            for (var p = events.PowerLevelsAuthEvent(pdu); p is not null; p = events.PowerLevelsAuthEvent(p))
            {
                if (mainline.TryGetValue(p.EventId, out int i))
                {
                    position = i;
                    break;
                }
                if (positionAfter.TryGetValue(p.EventId, out int known))
                {
                    position = known;
                    break;
                }
                path.Add(p.EventId);
            }
            foreach (var id in path)
            {
                positionAfter[id] = position;
            }
            return position;
        }
        return eventIds
            .Select(id => (Id: id, Pdu: events.Get(id)))
            .Select(e => (e.Id, Position: Position(e.Pdu), e.Pdu.OriginServerTs))
            .OrderByDescending(e => e.Position)
            .ThenBy(e => e.OriginServerTs)
            .ThenBy(e => e.Id.Value, StringComparer.Ordinal)
            .Select(e => e.Id)
            .ToList();
    }
}
