using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Events;
using Myelin.Storage.State;
using Myelin.Storage.Streams;
using Myelin.Storage.Tests.Infrastructure;

namespace Myelin.Storage.Tests.Events;

public abstract class EventStoreTests : StorageTestBase
{
    private static readonly UserId Alice = Ids.User("alice");
    private static readonly UserId Bob = Ids.User("bob");

    [Fact]
    public async Task Persisted_event_keeps_its_exact_bytes_and_indexed_columns()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        var pdu = room.Next(EventTypes.Message, Alice, new { msgtype = "m.text", body = "héllo" });

        var result = await room.SendAsync(pdu);
        var stored = await Db.Events.GetEventAsync(pdu.EventId);

        Assert.False(result.Deduplicated);
        Assert.NotNull(stored);
        Assert.Equal(pdu.Json.ToArray(), stored.Json.ToArray());
        Assert.Equal(pdu.RoomId, stored.RoomId);
        Assert.Equal(EventTypes.Message, stored.Type);
        Assert.Null(stored.StateKey);
        Assert.Equal(Alice, stored.Sender);
        Assert.Equal(pdu.Depth, stored.Depth);
        Assert.Equal(pdu.OriginServerTs, stored.OriginServerTs);
        Assert.Equal(result.StreamPosition, stored.StreamPosition);
        Assert.False(stored.IsOutlier || stored.IsRejected || stored.IsSoftFailed);
        Assert.Equal(result.StreamPosition, await Db.Events.GetMaxStreamPositionAsync());
        Assert.Equal(result.StreamPosition, await Db.Streams.GetCurrentAsync(StreamName.Events));
        Assert.Null(await Db.Events.GetEventAsync(Ids.Event("missing")));
    }

    [Fact]
    public async Task Stream_positions_increase_with_every_event()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        var a = await room.MessageAsync(Alice, "a");
        var b = await room.MessageAsync(Alice, "b");
        Assert.True(b.StreamPosition > a.StreamPosition);
    }

    [Fact]
    public async Task Get_many_returns_only_known_events()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        var m1 = room.Next(EventTypes.Message, Alice, new { body = "1" });
        var m2 = room.Next(EventTypes.Message, Alice, new { body = "2" });
        await room.SendAsync(m1);
        await room.SendAsync(m2);

        var found = await Db.Events.GetEventsAsync([m1.EventId, m2.EventId, Ids.Event("missing"), m1.EventId]);
        Assert.Equal(2, found.Count);
        Assert.Equal(m2.Json.ToArray(), found[m2.EventId].Json.ToArray());
    }

    [Fact]
    public async Task Same_event_twice_is_deduplicated()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        var pdu = room.Next(EventTypes.Message, Alice, new { body = "once" });
        var first = await room.SendAsync(pdu);
        var second = await Db.Events.PersistAsync(new PersistEventRequest(pdu) { StateBefore = StateInput.Empty });

        Assert.True(second.Deduplicated);
        Assert.Equal(first.StreamPosition, second.StreamPosition);
        Assert.Equal(first.StreamPosition, await Db.Events.GetMaxStreamPositionAsync());
    }

    [Fact]
    public async Task Transaction_id_makes_sends_idempotent_per_device()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        var txn = new TransactionKey(Alice, Ids.Device("PHONE"), "txn1");
        var first = room.Next(EventTypes.Message, Alice, new { body = "hi" });
        var retry = room.Next(EventTypes.Message, Alice, new { body = "hi" });

        var sent = await room.SendAsync(first, r => r with { Transaction = txn });
        var again = await room.SendAsync(retry, r => r with { Transaction = txn });

        Assert.True(again.Deduplicated);
        Assert.Equal(first.EventId, again.EventId);
        Assert.Equal(sent.StreamPosition, again.StreamPosition);
        Assert.Null(await Db.Events.GetEventAsync(retry.EventId));
        Assert.Equal(first.EventId, await Db.Events.GetEventIdForTransactionAsync(txn));
        Assert.Null(await Db.Events.GetEventIdForTransactionAsync(txn with { DeviceId = Ids.Device("LAPTOP") }));

        // The same txn ID from another device is a different request.
        var other = room.Next(EventTypes.Message, Alice, new { body = "hi" });
        Assert.False((await room.SendAsync(other, r => r with { Transaction = txn with { DeviceId = Ids.Device("LAPTOP") } })).Deduplicated);

        // Each device sees only its own transaction IDs.
        var phone = await Db.Events.GetTransactionIdsAsync([first.EventId, other.EventId], Alice, Ids.Device("PHONE"));
        Assert.Equal("txn1", Assert.Single(phone, kv => kv.Key == first.EventId).Value);
        Assert.DoesNotContain(other.EventId, phone.Keys);
        var laptop = await Db.Events.GetTransactionIdsAsync([first.EventId, other.EventId], Alice, Ids.Device("LAPTOP"));
        Assert.Equal([other.EventId], laptop.Keys);
    }

    [Fact]
    public async Task Timeline_between_positions_is_newest_first_and_limited()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        var since = await Db.Events.GetMaxStreamPositionAsync();
        for (int i = 1; i <= 5; i++)
        {
            await room.MessageAsync(Alice, $"m{i}");
        }
        var upTo = await Db.Events.GetMaxStreamPositionAsync();
        await room.MessageAsync(Alice, "later");

        var chunk = await Db.Events.GetRoomTimelineAsync(room.RoomId, since, upTo, limit: 3);
        Assert.True(chunk.Limited);
        Assert.Equal(["m5", "m4", "m3"], chunk.Events.Select(Body));

        var all = await Db.Events.GetRoomTimelineAsync(room.RoomId, since, upTo, limit: 5);
        Assert.False(all.Limited);
        Assert.Equal(5, all.Events.Count);
    }

    [Fact]
    public async Task Rejected_soft_failed_and_outlier_events_stay_out_of_the_timeline()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        var since = await Db.Events.GetMaxStreamPositionAsync();
        var rejected = room.Next(EventTypes.Message, Bob, new { body = "rejected" });
        var softFailed = room.Next(EventTypes.Message, Bob, new { body = "soft" });
        var outlier = room.Next(EventTypes.Message, Bob, new { body = "outlier" });
        await room.SendAsync(rejected, r => r with { RejectionReason = "auth" });
        await room.SendAsync(softFailed, r => r with { IsSoftFailed = true });
        await Db.Events.PersistAsync(new PersistEventRequest(outlier) { IsOutlier = true });
        await room.MessageAsync(Alice, "visible");

        var chunk = await Db.Events.GetRoomTimelineAsync(room.RoomId, since, await Db.Events.GetMaxStreamPositionAsync(), 10);
        Assert.Equal(["visible"], chunk.Events.Select(Body));

        var stored = await Db.Events.GetEventsAsync([rejected.EventId, softFailed.EventId, outlier.EventId]);
        Assert.True(stored[rejected.EventId].IsRejected);
        Assert.Equal("auth", stored[rejected.EventId].RejectionReason);
        Assert.True(stored[softFailed.EventId].IsSoftFailed);
        Assert.True(stored[outlier.EventId].IsOutlier);
        Assert.Null(await Db.State.GetEventStateGroupsAsync(outlier.EventId));
        // Neither the rejected nor the soft-failed event became a forward extremity.
        Assert.Equal([room.Last!.Value], await Db.Events.GetForwardExtremitiesAsync(room.RoomId));
    }

    [Fact]
    public async Task Out_of_band_member_outlier_becomes_the_users_membership_without_entering_room_state()
    {
        // A remote invite: the room's state is unknown here; only the invite (an outlier) is stored.
        var roomId = Ids.Room("remote");
        await Db.Rooms.CreateAsync(roomId, "10", null, 1);
        var invite = RoomBuilder.MakePdu(roomId, EventTypes.Member, Alice, new { membership = "invite" }, Bob.Value, 5, [Ids.Event("prev")], Ids.Event("invite"));
        var plainOutlier = RoomBuilder.MakePdu(roomId, EventTypes.Member, Alice, new { membership = "join" }, Alice.Value, 4, [], Ids.Event("alice-join"));
        await Db.Events.PersistAsync(new PersistEventRequest(plainOutlier) { IsOutlier = true });
        var since = await Db.Events.GetMaxStreamPositionAsync();
        var result = await Db.Events.PersistAsync(new PersistEventRequest(invite) { IsOutlier = true, IsOutOfBandMembership = true });

        var membership = await Db.Memberships.GetMembershipAsync(roomId, Bob);
        Assert.NotNull(membership);
        Assert.Equal("invite", membership.Membership);
        Assert.Equal(invite.EventId, membership.EventId);
        Assert.Equal([roomId], await Db.Memberships.GetRoomsForUserAsync(Bob, "invite"));
        var changes = await Db.Memberships.GetMembershipChangesAsync(Bob, since, result.StreamPosition);
        Assert.Equal(invite.EventId, Assert.Single(changes).EventId);
        // Neither outlier became state, and an outlier without the flag records no membership.
        Assert.Empty(await Db.State.GetCurrentStateAsync(roomId));
        Assert.Null(await Db.Memberships.GetMembershipAsync(roomId, Alice));
        Assert.Empty(await Db.Events.GetForwardExtremitiesAsync(roomId));
    }

    [Fact]
    public async Task Paginate_backwards_and_forwards_by_topological_token()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        for (int i = 1; i <= 5; i++)
        {
            await room.MessageAsync(Alice, $"m{i}");
        }

        var page1 = await Db.Events.PaginateAsync(room.RoomId, TopologicalToken.End, PaginationDirection.Backwards, 2);
        Assert.Equal(["m5", "m4"], page1.Events.Select(Body));
        Assert.NotNull(page1.Next);
        var page2 = await Db.Events.PaginateAsync(room.RoomId, page1.Next.Value, PaginationDirection.Backwards, 2);
        Assert.Equal(["m3", "m2"], page2.Events.Select(Body));
        var rest = await Db.Events.PaginateAsync(room.RoomId, page2.Next!.Value, PaginationDirection.Backwards, 10);
        Assert.Equal(4, rest.Events.Count); // m1 + power levels, member, create
        Assert.Null(rest.Next);
        Assert.Equal(EventTypes.Create, rest.Events[^1].Type);

        var forwards = await Db.Events.PaginateAsync(room.RoomId, page2.Events[^1].TopologicalToken, PaginationDirection.Forwards, 10);
        Assert.Equal(["m3", "m4", "m5"], forwards.Events.Select(Body));

        var bounded = await Db.Events.PaginateAsync(room.RoomId, TopologicalToken.End, PaginationDirection.Backwards, 10, to: page2.Events[0].TopologicalToken);
        Assert.Equal(["m5", "m4"], bounded.Events.Select(Body));

        Assert.True(TopologicalToken.TryParse(page1.Next.Value.ToString(), out var parsed));
        Assert.Equal(page1.Next.Value, parsed);
        Assert.False(TopologicalToken.TryParse("s12", out _));
    }

    [Fact]
    public async Task Relations_of_an_event_filter_by_type_and_paginate()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        var root = room.Next(EventTypes.Message, Alice, new { body = "root" });
        await room.SendAsync(root);
        var thread1 = await room.SendAsync(EventTypes.Message, Bob, new Dictionary<string, object>
        {
            ["body"] = "t1",
            ["m.relates_to"] = new { rel_type = "m.thread", event_id = root.EventId.Value },
        });
        await room.SendAsync(EventTypes.Reaction, Bob, new Dictionary<string, object>
        {
            ["m.relates_to"] = new { rel_type = "m.annotation", event_id = root.EventId.Value, key = "👍" },
        });
        await room.SendAsync(EventTypes.Message, Alice, new Dictionary<string, object>
        {
            ["body"] = "t2",
            ["m.relates_to"] = new { rel_type = "m.thread", event_id = root.EventId.Value },
        });
        await room.MessageAsync(Alice, "unrelated");

        var all = await Db.Events.GetRelationsAsync(root.EventId, null, null, 10);
        Assert.Equal(3, all.Events.Count);
        Assert.All(all.Events, e => Assert.Equal(root.EventId, e.RelatesTo));

        var threads = await Db.Events.GetRelationsAsync(root.EventId, "m.thread", null, 10);
        Assert.Equal(["t2", "t1"], threads.Events.Select(Body));
        Assert.All(threads.Events, e => Assert.Equal("m.thread", e.RelationType));

        var reactions = await Db.Events.GetRelationsAsync(root.EventId, "m.annotation", EventTypes.Reaction, 10);
        Assert.Single(reactions.Events);
        Assert.Empty((await Db.Events.GetRelationsAsync(root.EventId, "m.annotation", EventTypes.Message, 10)).Events);

        var firstPage = await Db.Events.GetRelationsAsync(root.EventId, null, null, 1, PaginationDirection.Forwards);
        Assert.True(firstPage.Limited);
        Assert.Equal("t1", Body(firstPage.Events[0]));
        var nextPage = await Db.Events.GetRelationsAsync(root.EventId, null, null, 5, PaginationDirection.Forwards, from: thread1.StreamPosition);
        Assert.Equal(2, nextPage.Events.Count);
    }

    [Fact]
    public async Task Related_events_of_many_parents_thread_roots_and_events_by_timestamp()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice); // depths 1-3 (create, member, power levels): ts 1001-1003
        var root1 = room.Next(EventTypes.Message, Alice, new { body = "root1" });
        await room.SendAsync(root1);
        var root2 = room.Next(EventTypes.Message, Bob, new { body = "root2" });
        await room.SendAsync(root2);
        object Reply(EventId parent, string relType, string body) => new Dictionary<string, object>
        {
            ["body"] = body,
            ["m.relates_to"] = new { rel_type = relType, event_id = parent.Value },
        };
        await room.SendAsync(EventTypes.Message, Bob, Reply(root1.EventId, "m.thread", "t1"));
        await room.SendAsync(EventTypes.Message, Alice, Reply(root2.EventId, "m.reference", "ref"));
        var redacted = room.Next(EventTypes.Message, Bob, Reply(root1.EventId, "m.thread", "gone"));
        await room.SendAsync(redacted);
        await room.SendAsync(room.Next(EventTypes.Redaction, Bob, new { redacts = redacted.EventId.Value }, redacts: redacted.EventId));
        await room.SendAsync(EventTypes.Message, Bob, Reply(root2.EventId, "m.thread", "t2"));

        var related = await Db.Events.GetRelatedEventsAsync([root1.EventId, root2.EventId], ["m.thread", "m.reference"]);
        Assert.Equal(["t1", "ref", "t2"], related.Select(Body));
        Assert.Equal(["t1"], (await Db.Events.GetRelatedEventsAsync([root1.EventId], ["m.thread"])).Select(Body));
        Assert.Empty(await Db.Events.GetRelatedEventsAsync([root1.EventId], []));
        Assert.Empty(await Db.Events.GetRelatedEventsAsync([], ["m.thread"]));

        var roots = await Db.Events.GetThreadRootsAsync(room.RoomId, 10);
        Assert.Equal([root2.EventId, root1.EventId], roots.Select(r => r.Root));
        var older = await Db.Events.GetThreadRootsAsync(room.RoomId, 10, before: roots[0].Latest);
        Assert.Equal([root1.EventId], older.Select(r => r.Root));
        Assert.Single(await Db.Events.GetThreadRootsAsync(room.RoomId, 1));
        // Alice started thread 1 and replied in neither: she participated in thread 1 only.
        Assert.Equal([root1.EventId], (await Db.Events.GetThreadRootsAsync(room.RoomId, 10, participant: Alice)).Select(r => r.Root));
        Assert.Equal(2, (await Db.Events.GetThreadRootsAsync(room.RoomId, 10, participant: Bob)).Count);

        // origin_server_ts is 1000 + depth: root1 has depth 4.
        Assert.Equal(root1.EventId, (await Db.Events.GetEventByTimestampAsync(room.RoomId, 1004, PaginationDirection.Forwards))!.EventId);
        Assert.Equal(root1.EventId, (await Db.Events.GetEventByTimestampAsync(room.RoomId, 1004, PaginationDirection.Backwards))!.EventId);
        Assert.Equal(root2.EventId, (await Db.Events.GetEventByTimestampAsync(room.RoomId, 1005, PaginationDirection.Backwards))!.EventId);
        Assert.Null(await Db.Events.GetEventByTimestampAsync(room.RoomId, 999, PaginationDirection.Backwards));
        Assert.Null(await Db.Events.GetEventByTimestampAsync(room.RoomId, 5000, PaginationDirection.Forwards));
    }

    [Fact]
    public async Task Events_since_a_position_across_rooms()
    {
        var r1 = new RoomBuilder(Db, Ids.Room("r1"));
        var r2 = new RoomBuilder(Db, Ids.Room("r2"));
        var r3 = new RoomBuilder(Db, Ids.Room("r3"));
        await r1.CreateAsync(Alice);
        await r2.CreateAsync(Alice);
        await r3.CreateAsync(Alice);
        var since = await Db.Events.GetMaxStreamPositionAsync();
        await r1.MessageAsync(Alice, "a");
        await r3.MessageAsync(Alice, "ignored room");
        await r2.MessageAsync(Alice, "b");
        await r1.MessageAsync(Alice, "c");
        var upTo = await Db.Events.GetMaxStreamPositionAsync();
        await r2.MessageAsync(Alice, "after");

        var chunk = await Db.Events.GetEventsSinceAsync([r1.RoomId, r2.RoomId], since, upTo, 10);
        Assert.Equal(["a", "b", "c"], chunk.Events.Select(Body));
        Assert.False(chunk.Limited);

        var limited = await Db.Events.GetEventsSinceAsync([r1.RoomId, r2.RoomId], since, upTo, 2);
        Assert.Equal(["a", "b"], limited.Events.Select(Body));
        Assert.True(limited.Limited);
        Assert.Empty((await Db.Events.GetEventsSinceAsync([], since, upTo, 2)).Events);
    }

    [Fact]
    public async Task Forward_extremities_follow_forks_and_merges()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        var tip = room.Last!.Value;
        var groups = await Db.State.GetEventStateGroupsAsync(tip);
        Assert.Equal([tip], await Db.Events.GetForwardExtremitiesAsync(room.RoomId));

        // Two events citing the same parent fork the DAG.
        var left = RoomBuilder.MakePdu(room.RoomId, EventTypes.Message, Alice, new { body = "left" }, null, 10, [tip], Ids.Event("left"));
        var right = RoomBuilder.MakePdu(room.RoomId, EventTypes.Message, Bob, new { body = "right" }, null, 10, [tip], Ids.Event("right"));
        await Db.Events.PersistAsync(new PersistEventRequest(left) { StateBefore = new StateInput.Existing(groups!.After) });
        await Db.Events.PersistAsync(new PersistEventRequest(right) { StateBefore = new StateInput.Existing(groups.After) });
        Assert.Equal([Ids.Event("left"), Ids.Event("right")], await Db.Events.GetForwardExtremitiesAsync(room.RoomId));

        var merge = RoomBuilder.MakePdu(room.RoomId, EventTypes.Message, Alice, new { body = "merge" }, null, 11, [Ids.Event("left"), Ids.Event("right")], Ids.Event("merge"));
        await Db.Events.PersistAsync(new PersistEventRequest(merge) { StateBefore = new StateInput.Existing(groups.After) });
        Assert.Equal([Ids.Event("merge")], await Db.Events.GetForwardExtremitiesAsync(room.RoomId));

        // Backfilled history does not become an extremity.
        var old = RoomBuilder.MakePdu(room.RoomId, EventTypes.Message, Alice, new { body = "old" }, null, 1, [], Ids.Event("old"));
        await Db.Events.PersistAsync(new PersistEventRequest(old) { StateBefore = new StateInput.Existing(groups.After), UpdateForwardExtremities = false });
        Assert.Equal([Ids.Event("merge")], await Db.Events.GetForwardExtremitiesAsync(room.RoomId));
    }

    [Fact]
    public async Task Redactions_mark_their_target_whichever_arrives_first()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        var target = room.Next(EventTypes.Message, Bob, new { body = "oops" });
        await room.SendAsync(target);
        var redaction = room.Next(EventTypes.Redaction, Alice, new { }, redacts: target.EventId);
        await room.SendAsync(redaction);

        var stored = await Db.Events.GetEventAsync(target.EventId);
        Assert.Equal(redaction.EventId, stored!.RedactedBy);
        Assert.Equal(target.EventId, (await Db.Events.GetEventAsync(redaction.EventId))!.Redacts);

        // Federation may deliver the redaction before its target.
        var early = room.Next(EventTypes.Redaction, Alice, new { }, redacts: Ids.Event("late"));
        await room.SendAsync(early);
        var late = RoomBuilder.MakePdu(room.RoomId, EventTypes.Message, Bob, new { body = "late" }, null, 99, [early.EventId], Ids.Event("late"));
        await room.SendAsync(late);
        Assert.Equal(early.EventId, (await Db.Events.GetEventAsync(Ids.Event("late")))!.RedactedBy);
    }

    [Fact]
    public async Task A_failed_persist_writes_nothing()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        var before = await Db.Events.GetMaxStreamPositionAsync();
        var pdu = room.Next(EventTypes.Message, Alice, new { body = "x" });

        await Assert.ThrowsAsync<KeyNotFoundException>(() =>
            Db.Events.PersistAsync(new PersistEventRequest(pdu) { StateBefore = new StateInput.Existing(new StateGroupId(987654)), Transaction = new TransactionKey(Alice, Ids.Device("D"), "t") }));

        Assert.Null(await Db.Events.GetEventAsync(pdu.EventId));
        Assert.Equal(before, await Db.Events.GetMaxStreamPositionAsync());
        Assert.Null(await Db.Events.GetEventIdForTransactionAsync(new TransactionKey(Alice, Ids.Device("D"), "t")));
        Assert.Throws<ArgumentException>(() => { _ = Db.Events.PersistAsync(new PersistEventRequest(pdu)); });
    }

    [Fact]
    public async Task Parallel_sends_to_many_rooms_all_commit_with_distinct_positions()
    {
        var rooms = Enumerable.Range(0, 10).Select(i => new RoomBuilder(Db, Ids.Room($"room{i}"))).ToList();
        foreach (var room in rooms)
        {
            await room.CreateAsync(Alice);
        }
        var start = await Db.Events.GetMaxStreamPositionAsync();

        // One sequential sender per room (as the per-room queue does), all rooms at once.
        var results = await Task.WhenAll(rooms.Select(room => Task.Run(async () =>
        {
            var positions = new List<StreamPosition>();
            for (int i = 0; i < 20; i++)
            {
                positions.Add((await room.MessageAsync(Alice, $"m{i}")).StreamPosition);
            }
            return positions;
        })));

        var all = results.SelectMany(p => p).ToList();
        Assert.Equal(200, all.Distinct().Count());
        Assert.Equal(start.Value + 200, (await Db.Events.GetMaxStreamPositionAsync()).Value);
        Assert.Equal(start.Value + 1, all.Min().Value);
    }

    [Fact]
    public async Task Events_and_state_survive_a_restart()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        await room.MemberAsync(Bob, "join");
        var message = room.Next(EventTypes.Message, Bob, new { body = "persisted" });
        await room.SendAsync(message);
        var state = await Db.State.GetCurrentStateAsync(room.RoomId);
        var max = await Db.Events.GetMaxStreamPositionAsync();

        var reopened = await Test.ReopenAsync();

        Assert.Equal(message.Json.ToArray(), (await reopened.Events.GetEventAsync(message.EventId))!.Json.ToArray());
        Assert.Equal(state, await reopened.State.GetCurrentStateAsync(room.RoomId));
        Assert.Equal(max, await reopened.Events.GetMaxStreamPositionAsync());
        Assert.Equal([Alice, Bob], await reopened.Memberships.GetMembersAsync(room.RoomId, "join"));
        Assert.Equal(state, await reopened.State.GetStateAfterEventAsync(message.EventId));
    }

    private static string Body(StoredEvent e)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(e.Json);
        return doc.RootElement.GetProperty("content").TryGetProperty("body", out var body) ? body.GetString()! : e.Type;
    }
    [Fact]
    public async Task Backfilled_history_sits_below_live_positions_and_promotes_outliers()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        var powerLevels = room.Last!.Value;
        var stateAfterPl = (await Db.State.GetEventStateGroupsAsync(powerLevels))!.After;
        var live = await room.MessageAsync(Alice, "live");
        var max = await Db.Events.GetMaxStreamPositionAsync();
        var extremities = await Db.Events.GetForwardExtremitiesAsync(room.RoomId);
        var current = await Db.State.GetCurrentStateAsync(room.RoomId);

        // An old state event first received as an outlier (as room state is when joining), then an old message citing it.
        var name = RoomBuilder.MakePdu(room.RoomId, EventTypes.Name, Bob, new { name = "old name" }, "", 4, [powerLevels], Ids.Event("old_name"));
        var outlier = await Db.Events.PersistAsync(new PersistEventRequest(name) { IsOutlier = true });
        Assert.True(outlier.StreamPosition > max);
        max = outlier.StreamPosition;
        var message = RoomBuilder.MakePdu(room.RoomId, EventTypes.Message, Bob, new { body = "old" }, null, 5, [name.EventId], Ids.Event("old_message"));

        var promoted = await Db.Events.PersistAsync(new PersistEventRequest(name) { IsBackfilled = true, StateBefore = new StateInput.Existing(stateAfterPl) });
        Assert.False(promoted.Deduplicated);
        Assert.True(promoted.StreamPosition.Value < 0);
        var stored = (await Db.Events.GetEventAsync(name.EventId))!;
        Assert.False(stored.IsOutlier);
        Assert.Equal(promoted.StreamPosition, stored.StreamPosition);
        var afterName = (await Db.State.GetStateAfterEventAsync(name.EventId))!;
        Assert.Equal(name.EventId, afterName[new StateKey(EventTypes.Name, "")]);

        var backfilled = await Db.Events.PersistAsync(new PersistEventRequest(message)
        {
            IsBackfilled = true,
            StateBefore = new StateInput.Existing((await Db.State.GetEventStateGroupsAsync(name.EventId))!.After),
        });
        Assert.True(backfilled.StreamPosition < promoted.StreamPosition);
        Assert.NotNull(await Db.State.GetStateBeforeEventAsync(message.EventId));

        // Live streams, extremities and the current state do not move; the history is found by depth.
        Assert.Equal(max, await Db.Events.GetMaxStreamPositionAsync());
        Assert.Equal(extremities, await Db.Events.GetForwardExtremitiesAsync(room.RoomId));
        Assert.Equal(current, await Db.State.GetCurrentStateAsync(room.RoomId));
        var timeline = await Db.Events.GetRoomTimelineAsync(room.RoomId, StreamPosition.Zero, max, 100);
        Assert.DoesNotContain(timeline.Events, e => e.EventId == message.EventId || e.EventId == name.EventId);
        var page = await Db.Events.PaginateAsync(room.RoomId, TopologicalToken.End, PaginationDirection.Backwards, 100);
        var order = page.Events.Select(e => e.EventId).ToList();
        Assert.Contains(live.EventId, order);
        Assert.InRange(order.IndexOf(message.EventId), 0, order.IndexOf(name.EventId) - 1);

        // Once in the timeline, the same event is deduplicated like any other.
        var again = await Db.Events.PersistAsync(new PersistEventRequest(message) { IsBackfilled = true, StateBefore = StateInput.Empty });
        Assert.True(again.Deduplicated);
        Assert.Equal(backfilled.StreamPosition, again.StreamPosition);
    }
}

public sealed class EventStoreTests_Sqlite : EventStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class EventStoreTests_Postgres : EventStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
