using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.ClientApi.Timeline;
using Myelin.Server.Tests.Support;
using Myelin.Storage;
using Myelin.Storage.ToDevice;
using static Myelin.Server.Tests.ClientApi.Sync.SyncClient;

namespace Myelin.Server.Tests.ClientApi.Sync;

public class SyncTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Initial_sync_has_the_spec_shape_with_timeline_state_summary_and_counts(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await kit.RoomAsync(alice);
        await kit.JoinAsync(room, bob);
        var hello = await kit.MessageAsync(room, bob, "hello alice");

        var sync = await alice.SyncAsync();
        Assert.StartsWith("s", NextBatch(sync), StringComparison.Ordinal);
        var joined = JoinedRoom(sync, room)!;
        var timeline = TimelineEvents(sync, room);
        Assert.Equal(hello.Value, timeline[^1]!["event_id"]!.GetValue<string>());
        Assert.Null(timeline[^1]!["room_id"]); // spec: sync omits room_id from room events
        Assert.Equal("hello alice", timeline[^1]!["content"]!["body"]!.GetValue<string>());
        Assert.NotNull(joined["timeline"]!["prev_batch"]);
        Assert.False(joined["timeline"]!["limited"]!.GetValue<bool>()); // 7 events < default limit 10
        // The state is the state at the START of the timeline: no state event appears in both.
        var timelineIds = TimelineIds(sync, room).ToHashSet();
        Assert.All(StateEvents(sync, room), e => Assert.DoesNotContain(e["event_id"]!.GetValue<string>(), timelineIds));
        Assert.Equal(2, joined["summary"]!["m.joined_member_count"]!.GetValue<long>());
        Assert.Equal(0, joined["summary"]!["m.invited_member_count"]!.GetValue<long>());
        Assert.Equal([bob.UserId.Value], joined["summary"]!["m.heroes"]!.AsArray().Select(h => h!.GetValue<string>()));
        // A 2-member room: bob's message notifies alice (.m.rule.room_one_to_one).
        Assert.Equal(1, joined["unread_notifications"]!["notification_count"]!.GetValue<long>());
        Assert.NotNull(sync["account_data"]!["events"]);
        Assert.NotNull(sync["device_lists"]!["changed"]);
        Assert.NotNull(sync["rooms"]!["invite"]);
        Assert.NotNull(sync["rooms"]!["leave"]);
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Incremental_syncs_report_messages_state_invites_and_leaves_exactly_once(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await kit.RoomAsync(alice);
        var token = NextBatch(await alice.SyncAsync());

        var message = await kit.MessageAsync(room, alice, "one");
        var name = await kit.StateAsync(room, alice, "m.room.name", "", new { name = "Room" });
        var first = await alice.SyncAsync(token);
        Assert.Equal([message.Value, name.Value], TimelineIds(first, room));
        Assert.Empty(StateEvents(first, room)); // not limited: the state change is in the timeline

        // Nothing new: the room is not reported again.
        var second = await alice.SyncAsync(NextBatch(first));
        Assert.Null(JoinedRoom(second, room));

        // bob is invited to a second room: invite_state with the create event, the inviter's member event and the invite.
        var other = await kit.RoomAsync(alice);
        await kit.InviteAsync(other, alice, bob);
        var bobInitial = await bob.SyncAsync();
        var invite = bobInitial["rooms"]!["invite"]![other.Value]!["invite_state"]!["events"]!.AsArray();
        Assert.Contains(invite, e => e!["type"]!.GetValue<string>() == EventTypes.Create);
        Assert.Contains(invite, e => e!["type"]!.GetValue<string>() == EventTypes.Member && e["state_key"]!.GetValue<string>() == alice.UserId.Value);
        Assert.Contains(invite, e => e!["type"]!.GetValue<string>() == EventTypes.Member && e["state_key"]!.GetValue<string>() == bob.UserId.Value
            && e["content"]!["membership"]!.GetValue<string>() == "invite");

        // bob joins: the room moves to join with full state; later leaves: it moves to leave with the leave event.
        string bobToken = NextBatch(bobInitial);
        await kit.JoinAsync(other, bob);
        var joinedSync = await bob.SyncAsync(bobToken);
        Assert.NotNull(JoinedRoom(joinedSync, other));
        Assert.Contains(StateEvents(joinedSync, other), e => e["type"]!.GetValue<string>() == EventTypes.Create);
        Assert.Null(joinedSync["rooms"]!["invite"]![other.Value]);

        var leave = await kit.LeaveAsync(other, bob);
        var leftSync = await bob.SyncAsync(NextBatch(joinedSync));
        var left = leftSync["rooms"]!["leave"]![other.Value]!;
        Assert.Equal(leave.Value, left["timeline"]!["events"]!.AsArray()[^1]!["event_id"]!.GetValue<string>());
        Assert.Null(JoinedRoom(leftSync, other));

        // Messages after the leave are not bob's to see.
        await kit.MessageAsync(other, alice, "after bob left");
        var after = await bob.SyncAsync(NextBatch(leftSync));
        Assert.Null(after["rooms"]!["leave"]![other.Value]);
        Assert.Null(JoinedRoom(after, other));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Messages_sent_while_syncing_are_seen_once_each_with_none_missed(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await server.RegisterAsync();
        var room = await kit.RoomAsync(alice);
        string token = NextBatch(await alice.SyncAsync());
        const int count = 60;

        var sent = new List<string>();
        var sender = Task.Run(async () =>
        {
            for (int i = 0; i < count; i++)
            {
                sent.Add((await kit.MessageAsync(room, alice, $"m{i}")).Value);
                if (i % 7 == 0)
                {
                    await Task.Delay(5);
                }
            }
        });
        var seen = new List<string>();
        string filter = Filter(new { room = new { timeline = new { limit = 1000 } } });
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (seen.Count < count && DateTime.UtcNow < deadline)
        {
            var sync = await alice.SyncAsync(token, "timeout=2000&" + filter);
            Assert.False(JoinedRoom(sync, room)?["timeline"]?["limited"]?.GetValue<bool>() ?? false);
            seen.AddRange(TimelineIds(sync, room));
            token = NextBatch(sync);
        }
        await sender;
        Assert.Equal(sent, seen);
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Long_poll_wakes_on_a_new_message_and_times_out_otherwise(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await server.RegisterAsync();
        var room = await kit.RoomAsync(alice);
        string token = NextBatch(await alice.SyncAsync());

        // Timeout with nothing new: an empty answer after the timeout, not before.
        var watch = Stopwatch.StartNew();
        var empty = await alice.SyncAsync(token, "timeout=700");
        Assert.InRange(watch.ElapsedMilliseconds, 650, 5000);
        Assert.Null(JoinedRoom(empty, room));

        // A message sent during the wait wakes it promptly.
        var poll = alice.SyncAsync(NextBatch(empty), "timeout=20000");
        await Task.Delay(400);
        Assert.False(poll.IsCompleted);
        var sentAt = Stopwatch.StartNew();
        var message = await kit.MessageAsync(room, alice, "wake up");
        var woken = await poll;
        long latency = sentAt.ElapsedMilliseconds;
        Assert.Equal([message.Value], TimelineIds(woken, room));
        Assert.True(latency < 1000, $"long-poll answered {latency} ms after the send (target ~100 ms)");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task A_gap_gives_a_limited_timeline_with_prev_batch_and_the_state_delta(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await server.RegisterAsync();
        var room = await kit.RoomAsync(alice);
        string token = NextBatch(await alice.SyncAsync());

        var topic = await kit.StateAsync(room, alice, "m.room.topic", "", new { topic = "before the window" });
        var messages = new List<string>();
        for (int i = 0; i < 12; i++)
        {
            messages.Add((await kit.MessageAsync(room, alice, $"m{i}")).Value);
        }
        var sync = await alice.SyncAsync(token, Filter(new { room = new { timeline = new { limit = 5 } } }));
        var joined = JoinedRoom(sync, room)!;
        Assert.True(joined["timeline"]!["limited"]!.GetValue<bool>());
        Assert.Equal(messages[^5..], TimelineIds(sync, room));
        Assert.False(string.IsNullOrEmpty(joined["timeline"]!["prev_batch"]!.GetValue<string>()));
        // The topic changed in the gap: it is in the state delta, unchanged state is not.
        var state = StateEvents(sync, room);
        Assert.Equal([topic.Value], state.Select(e => e["event_id"]!.GetValue<string>()));

        // use_state_after: the same delta as state_after, and no "state".
        var after = await alice.SyncAsync(token, "use_state_after=true&" + Filter(new { room = new { timeline = new { limit = 5 } } }));
        Assert.Null(JoinedRoom(after, room)!["state"]);
        Assert.Contains(StateEvents(after, room, "state_after"), e => e["event_id"]!.GetValue<string>() == topic.Value);
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Filters_inline_and_stored_select_events_and_bad_parameters_are_refused(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await server.RegisterAsync();
        var room = await kit.RoomAsync(alice);
        var other = await kit.RoomAsync(alice);
        await kit.MessageAsync(room, alice, "text");

        var onlyMessages = await alice.SyncAsync(null, Filter(new { room = new { timeline = new { types = new[] { "m.room.message" } }, state = new { types = new[] { "m.room.create" } } } }));
        Assert.All(TimelineEvents(onlyMessages, room), e => Assert.Equal("m.room.message", e!["type"]!.GetValue<string>()));
        Assert.All(StateEvents(onlyMessages, room), e => Assert.Equal("m.room.create", e["type"]!.GetValue<string>()));

        var database = server.Services.GetRequiredService<MyelinDatabase>();
        long filterId = await database.Filters.AddAsync(alice.UserId, "{\"room\":{\"rooms\":[\"" + other.Value + "\"]}}");
        var stored = await alice.SyncAsync(null, $"filter={filterId}");
        Assert.NotNull(JoinedRoom(stored, other));
        Assert.Null(JoinedRoom(stored, room));

        await MatrixAssert.ErrorAsync(await alice.GetAsync("/_matrix/client/v3/sync?filter=999"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.GetAsync("/_matrix/client/v3/sync?filter=" + Uri.EscapeDataString("{\"room\":{\"timeline\":{\"limit\":\"x\"}}}")), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.GetAsync("/_matrix/client/v3/sync?filter=" + Uri.EscapeDataString("{nope")), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.GetAsync("/_matrix/client/v3/sync?since=garbage"), 400, "M_UNKNOWN");
        await MatrixAssert.ErrorAsync(await alice.GetAsync("/_matrix/client/v3/sync?timeout=-5"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync("/_matrix/client/v3/sync?set_presence=busy"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync("/_matrix/client/v3/sync?full_state=yes"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync("/_matrix/client/v3/sync"), 401, "M_MISSING_TOKEN");

        // A token from the future (e.g. issued before a restart of the in-memory streams) is read as "now".
        var future = await alice.SyncAsync("s999999_0_0_0_0_999_999_0");
        Assert.StartsWith("s", NextBatch(future), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Lazy_loading_sends_only_the_senders_members_once_per_device(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var carol = await server.RegisterAsync();
        var room = await kit.RoomAsync(alice);
        await kit.JoinAsync(room, bob);
        await kit.JoinAsync(room, carol);
        for (int i = 0; i < 12; i++)
        {
            await kit.MessageAsync(room, bob, $"b{i}");
        }
        string lazy = Filter(new { room = new { state = new { lazy_load_members = true }, timeline = new { limit = 5 } } });
        var initial = await alice.SyncAsync(null, lazy);
        var members = StateEvents(initial, room).Where(e => e["type"]!.GetValue<string>() == EventTypes.Member)
            .Select(e => e["state_key"]!.GetValue<string>()).ToHashSet();
        Assert.Contains(bob.UserId.Value, members);
        Assert.DoesNotContain(carol.UserId.Value, members);
        Assert.Equal(3, JoinedRoom(initial, room)!["summary"]!["m.joined_member_count"]!.GetValue<long>());

        await kit.MessageAsync(room, bob, "again");
        var next = await alice.SyncAsync(NextBatch(initial), lazy);
        Assert.DoesNotContain(StateEvents(next, room), e => e["type"]!.GetValue<string>() == EventTypes.Member);

        await kit.MessageAsync(room, bob, "redundant");
        string redundant = Filter(new { room = new { state = new { lazy_load_members = true, include_redundant_members = true } } });
        var withRedundant = await alice.SyncAsync(NextBatch(next), redundant);
        Assert.Contains(StateEvents(withRedundant, room), e => e["type"]!.GetValue<string>() == EventTypes.Member && e["state_key"]!.GetValue<string>() == bob.UserId.Value);

        await kit.MessageAsync(room, carol, "carol speaks");
        var carolSpeaks = await alice.SyncAsync(NextBatch(withRedundant), lazy);
        Assert.Contains(StateEvents(carolSpeaks, room), e => e["type"]!.GetValue<string>() == EventTypes.Member && e["state_key"]!.GetValue<string>() == carol.UserId.Value);
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Typing_and_receipts_appear_as_ephemeral_events(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await kit.RoomAsync(alice);
        await kit.JoinAsync(room, bob);
        var message = await kit.MessageAsync(room, alice, "read me");
        string token = NextBatch(await alice.SyncAsync());

        await MatrixAssert.OkAsync(await bob.PutAsync($"/_matrix/client/v3/rooms/{room}/typing/{bob.UserId}", new { typing = true, timeout = 10000 }));
        var typing = await alice.SyncAsync(token, "timeout=5000");
        var typingEvent = Assert.Single(EphemeralEvents(typing, room, "m.typing"));
        Assert.Equal([bob.UserId.Value], typingEvent["content"]!["user_ids"]!.AsArray().Select(u => u!.GetValue<string>()));

        await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/rooms/{room}/receipt/m.read/{Uri.EscapeDataString(message.Value)}", new { }));
        var receipts = await alice.SyncAsync(NextBatch(typing), "timeout=5000");
        var receipt = Assert.Single(EphemeralEvents(receipts, room, "m.receipt"));
        Assert.NotNull(receipt["content"]![message.Value]!["m.read"]![bob.UserId.Value]!["ts"]);

        // A private receipt is served to its owner only.
        await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/rooms/{room}/receipt/m.read.private/{Uri.EscapeDataString(message.Value)}", new { }));
        var aliceView = await alice.SyncAsync(NextBatch(receipts));
        Assert.Empty(EphemeralEvents(aliceView, room, "m.receipt"));
        var bobView = await bob.SyncAsync();
        Assert.Contains(EphemeralEvents(bobView, room, "m.receipt"), e => e["content"]![message.Value]!["m.read.private"]?[bob.UserId.Value] is not null);

        // Typing stopped: an m.typing with nobody.
        await MatrixAssert.OkAsync(await bob.PutAsync($"/_matrix/client/v3/rooms/{room}/typing/{bob.UserId}", new { typing = false }));
        var stopped = await alice.SyncAsync(NextBatch(aliceView), "timeout=5000");
        Assert.Empty(Assert.Single(EphemeralEvents(stopped, room, "m.typing"))["content"]!["user_ids"]!.AsArray());
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Unread_counts_follow_mentions_and_DMs_and_reset_on_a_receipt(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var carol = await server.RegisterAsync();
        // A group room (3 members): messages notify (.m.rule.message), mentions also highlight (.m.rule.is_user_mention).
        var group = await kit.RoomAsync(alice);
        await kit.JoinAsync(group, bob);
        await kit.JoinAsync(group, carol);
        await kit.MessageAsync(group, bob, "chatter");
        var mention = await kit.SendAsync(group, bob, EventTypes.Message,
            new Dictionary<string, object> { ["msgtype"] = "m.text", ["body"] = "hey alice", ["m.mentions"] = new { user_ids = new[] { alice.UserId.Value } } });
        // A DM (2 members): every message notifies.
        var dm = await kit.RoomAsync(alice);
        await kit.JoinAsync(dm, bob);
        await kit.MessageAsync(dm, bob, "dm 1");
        var dm2 = await kit.MessageAsync(dm, bob, "dm 2");

        var sync = await alice.SyncAsync();
        var groupCounts = JoinedRoom(sync, group)!["unread_notifications"]!;
        Assert.Equal(2, groupCounts["notification_count"]!.GetValue<long>());
        Assert.Equal(1, groupCounts["highlight_count"]!.GetValue<long>());
        var dmCounts = JoinedRoom(sync, dm)!["unread_notifications"]!;
        Assert.Equal(2, dmCounts["notification_count"]!.GetValue<long>());
        Assert.Equal(0, dmCounts["highlight_count"]!.GetValue<long>());
        // bob's own messages never count for bob.
        var bobSync = await bob.SyncAsync();
        Assert.Equal(0, JoinedRoom(bobSync, dm)!["unread_notifications"]!["notification_count"]!.GetValue<long>());

        await MatrixAssert.OkAsync(await alice.PostAsync($"/_matrix/client/v3/rooms/{group}/receipt/m.read/{Uri.EscapeDataString(mention.Value)}", new { }));
        await MatrixAssert.OkAsync(await alice.PostAsync($"/_matrix/client/v3/rooms/{dm}/read_markers", new Dictionary<string, string> { ["m.read.private"] = dm2.Value }));
        var afterRead = await alice.SyncAsync(NextBatch(sync));
        Assert.Equal(0, JoinedRoom(afterRead, group)!["unread_notifications"]!["notification_count"]!.GetValue<long>());
        Assert.Equal(0, JoinedRoom(afterRead, group)!["unread_notifications"]!["highlight_count"]!.GetValue<long>());
        Assert.Equal(0, JoinedRoom(afterRead, dm)!["unread_notifications"]!["notification_count"]!.GetValue<long>());
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Threaded_unread_counts_are_split_when_the_filter_asks(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var dm = await kit.RoomAsync(alice);
        await kit.JoinAsync(dm, bob);
        var root = await kit.MessageAsync(dm, bob, "root");
        await kit.SendAsync(dm, bob, EventTypes.Message, new Dictionary<string, object>
        {
            ["msgtype"] = "m.text", ["body"] = "in thread", ["m.relates_to"] = new { rel_type = "m.thread", event_id = root.Value },
        });
        var sync = await alice.SyncAsync(null, Filter(new { room = new { timeline = new { unread_thread_notifications = true } } }));
        var joined = JoinedRoom(sync, dm)!;
        Assert.Equal(1, joined["unread_notifications"]!["notification_count"]!.GetValue<long>());
        Assert.Equal(1, joined["unread_thread_notifications"]![root.Value]!["notification_count"]!.GetValue<long>());

        var plain = await alice.SyncAsync();
        Assert.Equal(2, JoinedRoom(plain, dm)!["unread_notifications"]!["notification_count"]!.GetValue<long>());
        Assert.Null(JoinedRoom(plain, dm)!["unread_thread_notifications"]);
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task To_device_messages_are_delivered_then_deleted_once_the_client_syncs_past_them(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        string token = NextBatch(await alice.SyncAsync());
        await database.ToDevice.AddAsync([new OutgoingToDeviceMessage(alice.UserId, DeviceId.Parse(alice.DeviceId), bob.UserId, "m.test", """{"n":1}""")]);

        var first = await alice.SyncAsync(token);
        var message = Assert.Single(first["to_device"]!["events"]!.AsArray())!;
        Assert.Equal("m.test", message["type"]!.GetValue<string>());
        Assert.Equal(bob.UserId.Value, message["sender"]!.GetValue<string>());
        Assert.Equal(1, message["content"]!["n"]!.GetValue<int>());

        // Retrying with the same token redelivers (the client may not have got the answer)...
        Assert.Single((await alice.SyncAsync(token))["to_device"]!["events"]!.AsArray());
        // ...syncing past it acknowledges and deletes.
        var second = await alice.SyncAsync(NextBatch(first));
        Assert.Empty(second["to_device"]!["events"]!.AsArray());
        Assert.Empty(await database.ToDevice.GetAsync(alice.UserId, DeviceId.Parse(alice.DeviceId), new(0), new(long.MaxValue), 10));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Account_data_global_and_per_room_is_synced_when_changed(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await server.RegisterAsync();
        var room = await kit.RoomAsync(alice);
        string token = NextBatch(await alice.SyncAsync());
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        await database.AccountData.SetAsync(alice.UserId, null, "org.example.global", """{"a":1}""");
        await database.AccountData.SetAsync(alice.UserId, room, "org.example.room", """{"b":2}""");

        var sync = await alice.SyncAsync(token);
        Assert.Contains(sync["account_data"]!["events"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "org.example.global" && e["content"]!["a"]!.GetValue<int>() == 1);
        Assert.Contains(JoinedRoom(sync, room)!["account_data"]!["events"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "org.example.room");
        var again = await alice.SyncAsync(NextBatch(sync));
        Assert.DoesNotContain(again["account_data"]!["events"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "org.example.global");
    }
}
