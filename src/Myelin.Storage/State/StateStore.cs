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

    public Task<IReadOnlyDictionary<EventId, IReadOnlyDictionary<StateKey, EventId>>> GetStateBeforeEventsAsync(IReadOnlyCollection<EventId> eventIds, IReadOnlyCollection<StateKey> keys, CancellationToken cancellationToken = default)
    {
        var ids = eventIds.Distinct().ToList();
        var wanted = keys.Distinct().ToList();
        if (ids.Count == 0)
        {
            return Task.FromResult<IReadOnlyDictionary<EventId, IReadOnlyDictionary<StateKey, EventId>>>(new Dictionary<EventId, IReadOnlyDictionary<StateKey, EventId>>());
        }
        return engine.ReadAsync<IReadOnlyDictionary<EventId, IReadOnlyDictionary<StateKey, EventId>>>(async db =>
        {
            var groupOf = new Dictionary<EventId, long>(ids.Count);
            foreach (var chunk in ids.Chunk(500))
            {
                var (inList, parameters) = DbSession.InList("e", chunk, e => e.Value);
                var rows = await db.QueryAsync(
                    $"SELECT event_id, state_group_before FROM event_state_groups WHERE event_id IN ({inList})",
                    r => (EventId: EventId.Parse(r.GetString(0)), Group: r.GetInt64(1)), parameters);
                foreach (var (eventId, group) in rows)
                {
                    groupOf[eventId] = group;
                }
            }
            var stateOfGroup = new Dictionary<long, Dictionary<StateKey, EventId>>();
            foreach (long group in groupOf.Values.Distinct())
            {
                stateOfGroup[group] = [];
            }
            if (wanted.Count > 0)
            {
                foreach (var groups in stateOfGroup.Keys.ToList().Chunk(200))
                {
                    // One walk up every group's delta chain, keeping only the wanted keys; the deepest level
                    // (the oldest delta) is applied first so newer deltas override it.
                    var (groupList, groupParameters) = DbSession.InList("g", groups, g => g);
                    var keyClauses = new List<string>(wanted.Count);
                    var parameters = new List<(string, object?)>(groupParameters);
                    for (int i = 0; i < wanted.Count; i++)
                    {
                        string n = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                        keyClauses.Add($"(e.type = @t{n} AND e.state_key = @k{n})");
                        parameters.Add(($"t{n}", wanted[i].Type));
                        parameters.Add(($"k{n}", wanted[i].Key));
                    }
                    var rows = await db.QueryAsync(
                        "WITH RECURSIVE chain(start, id, prev_group, lvl) AS (" +
                        $" SELECT id, id, prev_group, 0 FROM state_groups WHERE id IN ({groupList})" +
                        " UNION ALL SELECT c.start, g.id, g.prev_group, c.lvl + 1 FROM state_groups g JOIN chain c ON g.id = c.prev_group) " +
                        "SELECT c.start, c.lvl, e.type, e.state_key, e.event_id FROM chain c JOIN state_group_entries e ON e.group_id = c.id " +
                        $"WHERE {string.Join(" OR ", keyClauses)} ORDER BY c.start, c.lvl DESC",
                        r => (Start: r.GetInt64(0), Key: new StateKey(r.GetString(2), r.GetString(3)), EventId: r.IsDBNull(4) ? (EventId?)null : EventId.Parse(r.GetString(4))),
                        [.. parameters]);
                    foreach (var (start, key, eventId) in rows)
                    {
                        var state = stateOfGroup[start];
                        if (eventId is { } id)
                        {
                            state[key] = id;
                        }
                        else
                        {
                            state.Remove(key);
                        }
                    }
                }
            }
            return groupOf.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<StateKey, EventId>)stateOfGroup[kv.Value]);
        }, cancellationToken);
    }

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
