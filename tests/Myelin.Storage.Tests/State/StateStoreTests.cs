using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Events;
using Myelin.Storage.State;
using Myelin.Storage.Tests.Infrastructure;

namespace Myelin.Storage.Tests.State;

public abstract class StateStoreTests : StorageTestBase
{
    private static readonly UserId Alice = Ids.User("alice");
    private static readonly UserId Bob = Ids.User("bob");

    [Fact]
    public async Task State_before_and_after_a_state_event()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        var topic = room.Next(EventTypes.Topic, Alice, new { topic = "hello" }, "");
        await room.SendAsync(topic);
        var message = room.Next(EventTypes.Message, Alice, new { body = "x" });
        await room.SendAsync(message);

        var before = await Db.State.GetStateBeforeEventAsync(topic.EventId);
        var after = await Db.State.GetStateAfterEventAsync(topic.EventId);
        Assert.False(before!.ContainsKey(new StateKey(EventTypes.Topic, "")));
        Assert.Equal(topic.EventId, after![new StateKey(EventTypes.Topic, "")]);
        Assert.Equal(3, before.Count); // create, member, power levels
        Assert.Equal(4, after.Count);

        // A message event does not change state: same group before and after.
        var groups = await Db.State.GetEventStateGroupsAsync(message.EventId);
        Assert.Equal(groups!.Before, groups.After);
        Assert.Equal(after, await Db.State.GetStateAfterEventAsync(message.EventId));
        Assert.Null(await Db.State.GetStateAfterEventAsync(Ids.Event("unknown")));
        Assert.Null(await Db.State.GetStateBeforeEventAsync(Ids.Event("unknown")));
    }

    [Fact]
    public async Task Current_state_tracks_the_latest_state_events()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        await room.SendAsync(EventTypes.Name, Alice, new { name = "One" }, "");
        var rename = room.Next(EventTypes.Name, Alice, new { name = "Two" }, "");
        await room.SendAsync(rename);
        await room.MemberAsync(Bob, "join");

        var current = await Db.State.GetCurrentStateAsync(room.RoomId);
        Assert.Equal(rename.EventId, current[new StateKey(EventTypes.Name, "")]);
        Assert.Equal(5, current.Count);
        Assert.Equal(rename.EventId, await Db.State.GetCurrentStateEventIdAsync(room.RoomId, new StateKey(EventTypes.Name, "")));
        Assert.Null(await Db.State.GetCurrentStateEventIdAsync(room.RoomId, new StateKey(EventTypes.Topic, "")));

        var members = await Db.State.GetCurrentStateEventsAsync(room.RoomId, [EventTypes.Member]);
        Assert.Equal([Alice.Value, Bob.Value], members.Select(e => e.StateKey));
        Assert.Equal(5, (await Db.State.GetCurrentStateEventsAsync(room.RoomId)).Count);
        Assert.Empty(await Db.State.GetCurrentStateEventsAsync(room.RoomId, []));
        Assert.Empty(await Db.State.GetCurrentStateAsync(Ids.Room("unknown")));

        var currentGroup = await Db.State.GetCurrentStateGroupAsync(room.RoomId);
        Assert.Equal(current, await Db.State.GetStateGroupAsync(currentGroup!.Value));
        Assert.Null(await Db.State.GetCurrentStateGroupAsync(Ids.Room("unknown")));
    }

    [Fact]
    public async Task Rejected_state_events_never_become_state_and_soft_failed_ones_not_current()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        var key = new StateKey(EventTypes.Topic, "");

        var rejected = room.Next(EventTypes.Topic, Bob, new { topic = "spam" }, "");
        await room.SendAsync(rejected, r => r with { RejectionReason = "not allowed" });
        Assert.False((await Db.State.GetStateAfterEventAsync(rejected.EventId))!.ContainsKey(key));

        var softFailed = room.Next(EventTypes.Topic, Bob, new { topic = "soft" }, "");
        await room.SendAsync(softFailed, r => r with { IsSoftFailed = true });
        Assert.Equal(softFailed.EventId, (await Db.State.GetStateAfterEventAsync(softFailed.EventId))![key]);
        Assert.False((await Db.State.GetCurrentStateAsync(room.RoomId)).ContainsKey(key));
    }

    [Fact]
    public async Task State_groups_from_deltas_full_maps_and_removals()
    {
        var room = Ids.Room("r");
        var create = new StateKey(EventTypes.Create, "");
        var name = new StateKey(EventTypes.Name, "");
        var topic = new StateKey(EventTypes.Topic, "");
        var full = await Db.State.CreateStateGroupAsync(room, new StateInput.Full(new Dictionary<StateKey, EventId>
        {
            [create] = Ids.Event("create"),
            [name] = Ids.Event("name"),
        }));
        var delta = await Db.State.CreateStateGroupAsync(room, new StateInput.Delta(full, new Dictionary<StateKey, EventId?>
        {
            [name] = null,
            [topic] = Ids.Event("topic"),
        }));

        Assert.Equal(new Dictionary<StateKey, EventId> { [create] = Ids.Event("create"), [topic] = Ids.Event("topic") }, await Db.State.GetStateGroupAsync(delta));
        Assert.Equal(2, (await Db.State.GetStateGroupAsync(full)).Count);
        Assert.Equal(full, await Db.State.CreateStateGroupAsync(room, new StateInput.Delta(full, new Dictionary<StateKey, EventId?>())));
        Assert.Equal(delta, await Db.State.CreateStateGroupAsync(room, new StateInput.Existing(delta)));
        Assert.Empty(await Db.State.GetStateGroupAsync(await Db.State.CreateStateGroupAsync(room, StateInput.Empty)));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Db.State.GetStateGroupAsync(new StateGroupId(424242)));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Db.State.CreateStateGroupAsync(room, new StateInput.Existing(new StateGroupId(424242))));
    }

    [Fact]
    public async Task Storage_grows_with_state_changes_not_events_times_state_size()
    {
        // 1 create + 60 joins + power levels = 62 state changes, then 200 messages, 20 more state changes.
        var room = new RoomBuilder(Db, Ids.Room("big"));
        await room.CreateAsync(Alice);
        for (int i = 0; i < 60; i++)
        {
            await room.MemberAsync(Ids.User($"member{i}"), "join");
        }
        for (int i = 0; i < 200; i++)
        {
            await room.MessageAsync(Alice, $"m{i}");
        }
        for (int i = 0; i < 20; i++)
        {
            await room.SendAsync(EventTypes.Topic, Alice, new { topic = $"t{i}" }, "");
        }
        const int stateChanges = 3 + 60 + 20;
        const int events = stateChanges + 200;
        long entries = await Test.CountRowsAsync("state_group_entries");
        long groups = await Test.CountRowsAsync("state_groups");
        long eventGroups = await Test.CountRowsAsync("event_state_groups");

        // Storing full state per event would need Σ state size ≈ 200 × 63 + ... > 12,000 rows.
        Assert.Equal(stateChanges, entries);
        Assert.Equal(stateChanges + 1, groups); // + the empty state before m.room.create
        Assert.Equal(events, eventGroups);
        // create, power levels, 61 members, topic.
        Assert.Equal(64, (await Db.State.GetCurrentStateAsync(room.RoomId)).Count);
        Assert.Equal(64, await Test.CountRowsAsync("room_current_state"));
    }

    [Fact]
    public async Task Resolved_current_state_after_a_fork_is_applied_as_a_diff()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        await room.MemberAsync(Bob, "join");
        var tip = room.Last!.Value;
        var baseGroup = (await Db.State.GetEventStateGroupsAsync(tip))!.After;
        var name = new StateKey(EventTypes.Name, "");
        var bobKey = new StateKey(EventTypes.Member, Bob.Value);

        // Two concurrent branches: Alice renames, Bob leaves.
        var rename = RoomBuilder.MakePdu(room.RoomId, EventTypes.Name, Alice, new { name = "A" }, "", 10, [tip], Ids.Event("rename"));
        var leave = RoomBuilder.MakePdu(room.RoomId, EventTypes.Member, Bob, new { membership = "leave" }, Bob.Value, 10, [tip], Ids.Event("bobleave"));
        var renameResult = await Db.Events.PersistAsync(new PersistEventRequest(rename) { StateBefore = new StateInput.Existing(baseGroup) });
        Assert.Equal(Ids.Event("rename"), (await Db.State.GetCurrentStateAsync(room.RoomId))[name]);

        // The caller resolved the fork; storage applies it as the new current state.
        var resolved = new StateInput.Delta(renameResult.StateGroups!.After, new Dictionary<StateKey, EventId?> { [bobKey] = Ids.Event("bobleave") });
        await Db.Events.PersistAsync(new PersistEventRequest(leave) { StateBefore = new StateInput.Existing(baseGroup), NewCurrentState = resolved });

        var current = await Db.State.GetCurrentStateAsync(room.RoomId);
        Assert.Equal(Ids.Event("rename"), current[name]);
        Assert.Equal(Ids.Event("bobleave"), current[bobKey]);
        Assert.Equal("leave", (await Db.Memberships.GetMembershipAsync(room.RoomId, Bob))!.Membership);
        // The state after 'leave' on its own branch does not contain the rename.
        Assert.False((await Db.State.GetStateAfterEventAsync(Ids.Event("bobleave")))!.ContainsKey(name));
    }
}

public sealed class StateStoreTests_Sqlite : StateStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class StateStoreTests_Postgres : StateStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}

/// <summary>With a small snapshot interval the chains stay short and every read is still exact.</summary>
public abstract class StateSnapshotTests : StorageTestBase
{
    protected override int StateSnapshotInterval => 5;

    [Fact]
    public async Task Snapshots_bound_the_chain_and_keep_every_state_exact()
    {
        var alice = Ids.User("alice");
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(alice);
        var expected = new Dictionary<StateKey, EventId>(await Db.State.GetCurrentStateAsync(room.RoomId));
        var checkpoints = new List<(EventId Event, Dictionary<StateKey, EventId> State)>();
        for (int i = 0; i < 23; i++)
        {
            var pdu = room.Next(EventTypes.Member, Ids.User($"u{i % 7}"), new { membership = i % 2 == 0 ? "join" : "leave" }, Ids.User($"u{i % 7}").Value);
            await room.SendAsync(pdu);
            expected[pdu.StateTuple!.Value] = pdu.EventId;
            checkpoints.Add((pdu.EventId, new Dictionary<StateKey, EventId>(expected)));
        }

        foreach (var (eventId, state) in checkpoints)
        {
            Assert.Equal(state, await Db.State.GetStateAfterEventAsync(eventId));
        }
        Assert.Equal(expected, await Db.State.GetCurrentStateAsync(room.RoomId));

        // The keyed batch read agrees with the full state before each event, across deltas and snapshots.
        var keys = new List<StateKey> { new(EventTypes.Member, Ids.User("u3").Value), new(EventTypes.Create, ""), new(EventTypes.Topic, "") };
        var ids = checkpoints.Select(c => c.Event).Append(Ids.Event("unknown")).ToList();
        var batch = await Db.State.GetStateBeforeEventsAsync(ids, keys);
        Assert.Equal(checkpoints.Count, batch.Count);
        foreach (var (eventId, _) in checkpoints)
        {
            var full = (await Db.State.GetStateBeforeEventAsync(eventId))!;
            var expectedSubset = full.Where(kv => keys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
            Assert.Equal(expectedSubset, batch[eventId]);
        }
        Assert.Empty(await Db.State.GetStateBeforeEventsAsync([], keys));
        Assert.All((await Db.State.GetStateBeforeEventsAsync(ids, [])).Values, Assert.Empty);
        long maxDepth = Convert.ToInt64(await Test.ScalarAsync("SELECT MAX(delta_depth) FROM state_groups"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(maxDepth < 5, $"delta chain depth {maxDepth} exceeds the snapshot interval");
        long snapshots = Convert.ToInt64(await Test.ScalarAsync("SELECT COUNT(*) FROM state_groups WHERE prev_group IS NULL"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(snapshots >= 5, $"expected periodic snapshots, found {snapshots}");
    }
}

public sealed class StateSnapshotTests_Sqlite : StateSnapshotTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class StateSnapshotTests_Postgres : StateSnapshotTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
