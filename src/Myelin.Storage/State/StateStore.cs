using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;
using Myelin.Storage.Events;

namespace Myelin.Storage.State;

internal sealed class StateStore(StorageEngine engine, StateGroups stateGroups) : IStateStore
{
    public Task<StateGroupId> CreateStateGroupAsync(RoomId roomId, StateInput state, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => stateGroups.StoreAsync(db, roomId, state), cancellationToken);

    public Task<IReadOnlyDictionary<StateKey, EventId>> GetStateGroupAsync(StateGroupId group, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyDictionary<StateKey, EventId>>(async db => await StateGroups.LoadAsync(db, group), cancellationToken);

    public Task<EventStateGroups?> GetEventStateGroupsAsync(EventId eventId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => GetGroupsAsync(db, eventId), cancellationToken);

    public Task<IReadOnlyDictionary<StateKey, EventId>?> GetStateBeforeEventAsync(EventId eventId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyDictionary<StateKey, EventId>?>(async db =>
            await GetGroupsAsync(db, eventId) is { } groups ? await StateGroups.LoadAsync(db, groups.Before) : null, cancellationToken);

    public Task<IReadOnlyDictionary<StateKey, EventId>?> GetStateAfterEventAsync(EventId eventId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyDictionary<StateKey, EventId>?>(async db =>
            await GetGroupsAsync(db, eventId) is { } groups ? await StateGroups.LoadAsync(db, groups.After) : null, cancellationToken);

    public Task<IReadOnlyDictionary<StateKey, EventId>> GetCurrentStateAsync(RoomId roomId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyDictionary<StateKey, EventId>>(async db =>
        {
            var rows = await db.QueryAsync(
                "SELECT type, state_key, event_id FROM room_current_state WHERE room_id = @room_id",
                r => (Key: new StateKey(r.GetString(0), r.GetString(1)), EventId: EventId.Parse(r.GetString(2))), ("room_id", roomId.Value));
            return rows.ToDictionary(r => r.Key, r => r.EventId);
        }, cancellationToken);

    public Task<StateGroupId?> GetCurrentStateGroupAsync(RoomId roomId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(async db => await db.ScalarInt64Async(
            "SELECT state_group FROM room_current_state_group WHERE room_id = @room_id", ("room_id", roomId.Value)) is { } g
            ? new StateGroupId(g) : (StateGroupId?)null, cancellationToken);

    public Task<EventId?> GetCurrentStateEventIdAsync(RoomId roomId, StateKey key, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(async db => await db.ScalarAsync(
            "SELECT event_id FROM room_current_state WHERE room_id = @room_id AND type = @type AND state_key = @state_key",
            ("room_id", roomId.Value), ("type", key.Type), ("state_key", key.Key)) is string id ? EventId.Parse(id) : (EventId?)null, cancellationToken);

    public Task<IReadOnlyList<StoredEvent>> GetCurrentStateEventsAsync(RoomId roomId, IReadOnlyCollection<string>? types = null, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<StoredEvent>>(async db =>
        {
            string sql = $"SELECT {EventStore.Columns} FROM room_current_state s JOIN events e ON e.event_id = s.event_id WHERE s.room_id = @room_id";
            if (types is null)
            {
                return await db.QueryAsync(sql + " ORDER BY s.type, s.state_key", EventStore.Read, ("room_id", roomId.Value));
            }
            if (types.Count == 0)
            {
                return [];
            }
            var (inList, parameters) = DbSession.InList("t", types.Distinct(StringComparer.Ordinal).ToList(), t => t);
            return await db.QueryAsync($"{sql} AND s.type IN ({inList}) ORDER BY s.type, s.state_key", EventStore.Read, [.. parameters, ("room_id", roomId.Value)]);
        }, cancellationToken);

    private static Task<EventStateGroups?> GetGroupsAsync(DbSession db, EventId eventId) =>
        db.QuerySingleAsync(
            "SELECT state_group_before, state_group_after FROM event_state_groups WHERE event_id = @id",
            r => new EventStateGroups(new StateGroupId(r.GetInt64(0)), new StateGroupId(r.GetInt64(1))), ("id", eventId.Value));
}
