using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.StateResolution;

/// <summary>
/// Resolves the room states at several forward extremities into one, by the room version's algorithm:
/// v1 (room version 1), v2 (2–11) or v2.1 (12). Pure: all events come through <c>fetchEvent</c>.
/// spec: rooms/v1 "State resolution", rooms/fragments/v2-state-res.md, rooms/v12 "State resolution".
/// </summary>
public static class StateResolver
{
    /// <param name="version">The room's version; selects the algorithm and the auth rules.</param>
    /// <param name="stateSets">The states to resolve, as (type, state_key) → event ID maps. Their order does not
    /// matter.</param>
    /// <param name="fetchEvent">Returns a stored event, or null if unknown. Every event in the state sets and in their
    /// auth chains must be available; back this with a cache for large rooms.</param>
    /// <param name="isRejected">Whether an event was rejected; rejected auth events are not used by the iterative
    /// auth checks (spec: "Rejected events"). Null means none are.</param>
    /// <param name="options">Signature checks for the auth rules.</param>
    /// <exception cref="StateResolutionException">An event needed for resolution is not available.</exception>
    public static IReadOnlyDictionary<StateKey, EventId> Resolve(
        RoomVersion version,
        IReadOnlyList<IReadOnlyDictionary<StateKey, EventId>> stateSets,
        Func<EventId, Pdu?> fetchEvent,
        Func<EventId, bool>? isRejected = null,
        AuthRulesOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(stateSets);
        ArgumentNullException.ThrowIfNull(fetchEvent);
        options ??= AuthRulesOptions.Default;
        if (stateSets.Count == 0)
        {
            return new Dictionary<StateKey, EventId>();
        }
        if (stateSets.Count == 1)
        {
            return new Dictionary<StateKey, EventId>(stateSets[0]);
        }
        var events = new EventSource(fetchEvent, isRejected);
        return version.StateResolution switch
        {
            StateResolutionAlgorithm.V1 => StateResolutionV1.Resolve(stateSets, events, options),
            _ => StateResolutionV2.Resolve(version, stateSets, events, options),
        };
    }
}
