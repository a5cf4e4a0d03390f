using System.Security.Cryptography;
using System.Text;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;

namespace Myelin.Protocol.StateResolution;

/// <summary>
/// The original state resolution of room version 1. Known to reset state in some forks (the reason v2 exists);
/// implemented so that v1 rooms still resolve as other servers resolve them. spec: rooms/v1 "State resolution".
/// </summary>
internal static class StateResolutionV1
{
    private static readonly string[] AuthTypesInOrder = [EventTypes.PowerLevels, EventTypes.JoinRules, EventTypes.Member];

    public static Dictionary<StateKey, EventId> Resolve(
        IReadOnlyList<IReadOnlyDictionary<StateKey, EventId>> stateSets, EventSource events, AuthRulesOptions options)
    {
        // R starts as the union of the states without conflicting keys (a key missing from a set is no conflict).
        var resolved = new Dictionary<StateKey, EventId>();
        var conflicts = new Dictionary<StateKey, HashSet<EventId>>();
        foreach (var set in stateSets)
        {
            foreach (var (key, id) in set)
            {
                if (conflicts.TryGetValue(key, out var ids))
                {
                    ids.Add(id);
                }
                else if (!resolved.TryGetValue(key, out var existing))
                {
                    resolved[key] = id;
                }
                else if (existing != id)
                {
                    conflicts[key] = [existing, id];
                    resolved.Remove(key);
                }
            }
        }
        if (conflicts.Count == 0)
        {
            return resolved;
        }

        // Power levels, then join rules, then memberships: add the first, then each next while it passes auth in R.
        foreach (string type in AuthTypesInOrder)
        {
            foreach (var key in conflicts.Keys.Where(k => k.Type == type).OrderBy(k => k.Key, StringComparer.Ordinal).ToList())
            {
                var ordered = conflicts[key]
                    .Select(events.Get)
                    .OrderBy(e => e.Depth)
                    .ThenByDescending(e => Sha1Hex(e.EventId), StringComparer.Ordinal)
                    .ToList();
                resolved[key] = ordered[0].EventId;
                foreach (var pdu in ordered.Skip(1))
                {
                    if (!Allowed(pdu, resolved, events, options))
                    {
                        break;
                    }
                    resolved[key] = pdu.EventId;
                }
                conflicts.Remove(key);
            }
        }

        // Everything else: the highest depth, then lowest sha1(event_id), that passes auth in R.
        foreach (var key in conflicts.Keys.OrderBy(k => k.Type, StringComparer.Ordinal).ThenBy(k => k.Key, StringComparer.Ordinal))
        {
            var winner = conflicts[key]
                .Select(events.Get)
                .OrderByDescending(e => e.Depth)
                .ThenBy(e => Sha1Hex(e.EventId), StringComparer.Ordinal)
                .FirstOrDefault(e => Allowed(e, resolved, events, options));
            if (winner is not null)
            {
                resolved[key] = winner.EventId;
            }
        }
        return resolved;
    }

    private static bool Allowed(Pdu pdu, Dictionary<StateKey, EventId> state, EventSource events, AuthRulesOptions options) =>
        AuthRules.Check(pdu, k => state.TryGetValue(k, out var id) ? events.Get(id) : null, options).IsAllowed;

    private static string Sha1Hex(EventId id) =>
#pragma warning disable CA5350 // spec: rooms/v1 orders by sha1(event_id); this is not a security use.
        Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(id.Value)));
#pragma warning restore CA5350
}
