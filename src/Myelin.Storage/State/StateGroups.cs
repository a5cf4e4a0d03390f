using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.State;

/// <summary>
/// Reads and writes state groups inside a caller's session. A group row has a previous group and a
/// delta depth; its entries are only the keys that changed from the previous group (a null event
/// ID removes a key). Once a chain reaches the snapshot interval, the next group is written as a
/// full snapshot (no previous group), so a read walks at most that many groups.
/// </summary>
internal sealed class StateGroups(int snapshotInterval)
{
    private const string ChainCte =
        "WITH RECURSIVE chain(id, prev_group, lvl) AS (" +
        " SELECT id, prev_group, 0 FROM state_groups WHERE id = @id" +
        " UNION ALL SELECT g.id, g.prev_group, c.lvl + 1 FROM state_groups g JOIN chain c ON g.id = c.prev_group) ";

    public async Task<StateGroupId> StoreAsync(DbSession db, RoomId roomId, StateInput input) => input switch
    {
        StateInput.Existing existing => await EnsureExistsAsync(db, existing.Group),
        StateInput.Delta delta => await CreateDeltaAsync(db, roomId, delta.Previous, delta.Changes),
        StateInput.Full full => await CreateSnapshotAsync(db, roomId, full.State),
        _ => throw new ArgumentOutOfRangeException(nameof(input)),
    };

    public async Task<StateGroupId> CreateDeltaAsync(DbSession db, RoomId roomId, StateGroupId previous, IReadOnlyDictionary<StateKey, EventId?> changes)
    {
        long? depth = await db.ScalarInt64Async("SELECT delta_depth FROM state_groups WHERE id = @id", ("id", previous.Value));
        if (depth is null)
        {
            throw new KeyNotFoundException($"State group {previous} does not exist.");
        }
        if (changes.Count == 0)
        {
            return previous;
        }
        if (depth.Value + 1 >= snapshotInterval)
        {
            var state = await LoadAsync(db, previous);
            foreach (var (key, eventId) in changes)
            {
                if (eventId is { } id)
                {
                    state[key] = id;
                }
                else
                {
                    state.Remove(key);
                }
            }
            return await CreateSnapshotAsync(db, roomId, state);
        }
        var group = await InsertGroupAsync(db, roomId, previous, depth.Value + 1);
        await InsertEntriesAsync(db, group, changes);
        return group;
    }

    public async Task<StateGroupId> CreateSnapshotAsync(DbSession db, RoomId roomId, IReadOnlyDictionary<StateKey, EventId> state)
    {
        var group = await InsertGroupAsync(db, roomId, null, 0);
        await InsertEntriesAsync(db, group, state.ToDictionary(kv => kv.Key, kv => (EventId?)kv.Value));
        return group;
    }

    public static async Task<Dictionary<StateKey, EventId>> LoadAsync(DbSession db, StateGroupId group)
    {
        var rows = await db.QueryAsync(
            ChainCte + "SELECT c.lvl, e.type, e.state_key, e.event_id FROM chain c JOIN state_group_entries e ON e.group_id = c.id ORDER BY c.lvl DESC",
            r => (Key: new StateKey(r.GetString(1), r.GetString(2)), EventId: r.IsDBNull(3) ? (EventId?)null : EventId.Parse(r.GetString(3))),
            ("id", group.Value));
        if (rows.Count == 0)
        {
            await EnsureExistsAsync(db, group);
        }
        var state = new Dictionary<StateKey, EventId>();
        foreach (var (key, eventId) in rows)
        {
            if (eventId is { } id)
            {
                state[key] = id;
            }
            else
            {
                state.Remove(key);
            }
        }
        return state;
    }

    /// <summary>
    /// The changes that turn <paramref name="from"/> into <paramref name="to"/>. When <paramref name="from"/>
    /// is an ancestor of <paramref name="to"/> within one delta chain (the common, linear case) only the
    /// deltas in between are read; otherwise both states are loaded and compared.
    /// </summary>
    public static async Task<Dictionary<StateKey, EventId?>> DiffAsync(DbSession db, StateGroupId? from, StateGroupId to)
    {
        var changes = new Dictionary<StateKey, EventId?>();
        if (from == to)
        {
            return changes;
        }
        if (from is { } ancestor)
        {
            var chain = await db.QueryAsync(ChainCte + "SELECT id, prev_group FROM chain ORDER BY lvl", r => (Id: r.GetInt64(0), Prev: r.GetNullableInt64(1)), ("id", to.Value));
            int index = chain.FindIndex(g => g.Id == ancestor.Value);
            if (index > 0)
            {
                // Newest delta first: the first value seen for a key is its value in 'to'.
                for (int i = 0; i < index; i++)
                {
                    var entries = await db.QueryAsync(
                        "SELECT type, state_key, event_id FROM state_group_entries WHERE group_id = @id",
                        r => (Key: new StateKey(r.GetString(0), r.GetString(1)), EventId: r.IsDBNull(2) ? (EventId?)null : EventId.Parse(r.GetString(2))),
                        ("id", chain[i].Id));
                    foreach (var (key, eventId) in entries)
                    {
                        changes.TryAdd(key, eventId);
                    }
                }
                return changes;
            }
        }
        var before = from is { } f ? await LoadAsync(db, f) : [];
        var after = await LoadAsync(db, to);
        foreach (var (key, eventId) in after)
        {
            if (!before.TryGetValue(key, out var old) || old != eventId)
            {
                changes[key] = eventId;
            }
        }
        foreach (var key in before.Keys.Where(k => !after.ContainsKey(k)))
        {
            changes[key] = null;
        }
        return changes;
    }

    private static async Task<StateGroupId> EnsureExistsAsync(DbSession db, StateGroupId group) =>
        await db.ScalarAsync("SELECT 1 FROM state_groups WHERE id = @id", ("id", group.Value)) is null
            ? throw new KeyNotFoundException($"State group {group} does not exist.")
            : group;

    private static async Task<StateGroupId> InsertGroupAsync(DbSession db, RoomId roomId, StateGroupId? previous, long depth) =>
        new(await db.ScalarInt64Async(
            "INSERT INTO state_groups (room_id, prev_group, delta_depth) VALUES (@room_id, @prev, @depth) RETURNING id",
            ("room_id", roomId.Value), ("prev", previous?.Value), ("depth", depth))
            ?? throw new InvalidOperationException("INSERT ... RETURNING id returned nothing."));

    private static async Task InsertEntriesAsync(DbSession db, StateGroupId group, IReadOnlyDictionary<StateKey, EventId?> entries)
    {
        // Multi-row VALUES in chunks: a snapshot of a big room is one round trip per 200 keys, not per key.
        foreach (var chunk in entries.Chunk(200))
        {
            var values = new List<string>(chunk.Length);
            var parameters = new List<(string, object?)>(chunk.Length * 3 + 1) { ("group", group.Value) };
            for (int i = 0; i < chunk.Length; i++)
            {
                values.Add($"(@group, @t{i}, @k{i}, @e{i})");
                parameters.Add(($"t{i}", chunk[i].Key.Type));
                parameters.Add(($"k{i}", chunk[i].Key.Key));
                parameters.Add(($"e{i}", chunk[i].Value?.Value));
            }
            await db.ExecuteAsync(
                "INSERT INTO state_group_entries (group_id, type, state_key, event_id) VALUES " + string.Join(", ", values),
                [.. parameters]);
        }
    }
}
