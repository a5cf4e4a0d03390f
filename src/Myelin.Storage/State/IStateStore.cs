using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Events;

namespace Myelin.Storage.State;

/// <summary>
/// Room state, stored as state groups: each group is a delta on a previous group (a full snapshot
/// every <see cref="DatabaseOptions.StateSnapshotInterval"/> deltas), so storage grows with the
/// number of state changes, not events × state size. Each event points at its group before and
/// after; each room has a maintained current state.
/// </summary>
public interface IStateStore
{
    /// <summary>Stores a state (reusing the previous group when a delta changes nothing).</summary>
    Task<StateGroupId> CreateStateGroupAsync(RoomId roomId, StateInput state, CancellationToken cancellationToken = default);

    /// <summary>The full state map of a group; throws <see cref="KeyNotFoundException"/> for an unknown group.</summary>
    Task<IReadOnlyDictionary<StateKey, EventId>> GetStateGroupAsync(StateGroupId group, CancellationToken cancellationToken = default);

    /// <summary>The state groups before/after an event; null for unknown events and outliers.</summary>
    Task<EventStateGroups?> GetEventStateGroupsAsync(EventId eventId, CancellationToken cancellationToken = default);

    /// <summary>The room state before the event (what it was authorised against); null if unknown.</summary>
    Task<IReadOnlyDictionary<StateKey, EventId>?> GetStateBeforeEventAsync(EventId eventId, CancellationToken cancellationToken = default);

    /// <summary>The room state after the event (including it, if it is an accepted state event); null if unknown.</summary>
    Task<IReadOnlyDictionary<StateKey, EventId>?> GetStateAfterEventAsync(EventId eventId, CancellationToken cancellationToken = default);

    /// <summary>
    /// For each of <paramref name="eventIds"/> (unknown events and outliers are left out), the entries of the
    /// state before it restricted to <paramref name="keys"/>, in one query: what history visibility needs
    /// (the visibility setting and one member) for a page of events without loading whole states.
    /// </summary>
    Task<IReadOnlyDictionary<EventId, IReadOnlyDictionary<StateKey, EventId>>> GetStateBeforeEventsAsync(IReadOnlyCollection<EventId> eventIds, IReadOnlyCollection<StateKey> keys, CancellationToken cancellationToken = default);

    /// <summary>The room's current state (empty for an unknown room).</summary>
    Task<IReadOnlyDictionary<StateKey, EventId>> GetCurrentStateAsync(RoomId roomId, CancellationToken cancellationToken = default);

    /// <summary>The state group the current state equals, or null before the first event.</summary>
    Task<StateGroupId?> GetCurrentStateGroupAsync(RoomId roomId, CancellationToken cancellationToken = default);

    /// <summary>The current state event ID for one key, or null.</summary>
    Task<EventId?> GetCurrentStateEventIdAsync(RoomId roomId, StateKey key, CancellationToken cancellationToken = default);

    /// <summary>The current state events (optionally only of the given types), ordered by type and state key.</summary>
    Task<IReadOnlyList<StoredEvent>> GetCurrentStateEventsAsync(RoomId roomId, IReadOnlyCollection<string>? types = null, CancellationToken cancellationToken = default);
}
