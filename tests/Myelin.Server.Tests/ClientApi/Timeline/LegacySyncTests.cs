using System.Diagnostics;
using System.Text.Json.Nodes;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Timeline;

public class LegacySyncTests
{
    private const string V3 = "/_matrix/client/v3";

    private static string RoomInitialSync(Protocol.Identifiers.RoomId room, string query = "") =>
        $"{V3}/rooms/{Uri.EscapeDataString(room.Value)}/initialSync{(query.Length > 0 ? "?" + query : "")}";

    private static List<string> Bodies(JsonNode? chunk) =>
        chunk!.AsArray().Where(e => e!["type"]!.GetValue<string>() == "m.room.message").Select(e => e!["content"]!["body"]!.GetValue<string>()).ToList();

    private static JsonNode? State(JsonObject snapshot, string type, string stateKey = "") =>
        snapshot["state"]!.AsArray().SingleOrDefault(e => e!["type"]!.GetValue<string>() == type && e["state_key"]!.GetValue<string>() == stateKey);

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Room_initial_sync_for_members_former_members_and_peekers(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var bob = await kit.UserAsync("bob");
        var carol = await kit.UserAsync("carol");
        var room = await kit.RoomAsync(alice);
        await kit.JoinAsync(room, bob);
        for (int i = 1; i <= 4; i++)
        {
            await kit.MessageAsync(room, alice, $"m{i}");
        }
        var last = await kit.MessageAsync(room, bob, "m5");
        await kit.Database.Receipts.SetAsync(room, "m.read", bob.UserId, null, last, 1234);
        await kit.Database.Receipts.SetAsync(room, "m.read.private", alice.UserId, null, last, 1235);
        await kit.Database.AccountData.SetAsync(bob.UserId, room, "m.tag", """{"tags":{"work":{"order":0.5}}}""");
        await kit.LeaveAsync(room, bob);
        await kit.StateAsync(room, alice, "m.room.name", "", new { name = "After bob" });
        await kit.MessageAsync(room, alice, "m6");

        var joined = await MatrixAssert.OkAsync(await alice.GetAsync(RoomInitialSync(room, "limit=3")));
        Assert.Equal(room.Value, joined["room_id"]!.GetValue<string>());
        Assert.Equal("join", joined["membership"]!.GetValue<string>());
        Assert.Equal("private", joined["visibility"]!.GetValue<string>());
        var chunk = joined["messages"]!["chunk"]!.AsArray();
        Assert.Equal(3, chunk.Count);
        Assert.Equal(["m6"], Bodies(chunk)); // oldest first: bob's leave, the name, m6
        Assert.Equal("m.room.member", chunk[0]!["type"]!.GetValue<string>());
        Assert.Equal("After bob", State(joined, "m.room.name")!["content"]!["name"]!.GetValue<string>());
        Assert.NotNull(State(joined, "m.room.create"));
        Assert.StartsWith("s", joined["messages"]!["end"]!.GetValue<string>(), StringComparison.Ordinal);
        // start continues backwards through /messages.
        string start = joined["messages"]!["start"]!.GetValue<string>();
        var earlier = await MatrixAssert.OkAsync(await alice.GetAsync($"{V3}/rooms/{Uri.EscapeDataString(room.Value)}/messages?dir=b&limit=2&from={Uri.EscapeDataString(start)}"));
        Assert.Equal(["m5", "m4"], Bodies(earlier["chunk"]));
        // Receipts: bob's public one; alice's private one only to alice.
        var receipt = joined["receipts"]!.AsArray().Single()!;
        Assert.Equal("m.receipt", receipt["type"]!.GetValue<string>());
        Assert.Equal(1234, receipt["content"]![last.Value]!["m.read"]![bob.UserId.Value]!["ts"]!.GetValue<long>());
        Assert.Equal(1235, receipt["content"]![last.Value]!["m.read.private"]![alice.UserId.Value]!["ts"]!.GetValue<long>());
        Assert.NotNull(joined["presence"]!.AsArray());
        Assert.Empty(joined["account_data"]!.AsArray());

        // Bob left: the room as it was when he left, and his room account data.
        var departed = await MatrixAssert.OkAsync(await bob.GetAsync(RoomInitialSync(room, "limit=2")));
        Assert.Equal("leave", departed["membership"]!.GetValue<string>());
        Assert.Null(State(departed, "m.room.name"));
        Assert.Equal("leave", State(departed, "m.room.member", bob.UserId.Value)!["content"]!["membership"]!.GetValue<string>());
        var departedChunk = departed["messages"]!["chunk"]!.AsArray();
        Assert.Equal(["m5"], Bodies(departedChunk));
        Assert.Equal("m.room.member", departedChunk[1]!["type"]!.GetValue<string>());
        Assert.StartsWith("t", departed["messages"]!["end"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(departed["receipts"]!.AsArray());
        Assert.Equal("m.tag", departed["account_data"]!.AsArray().Single()!["type"]!.GetValue<string>());

        // Carol was never in the room and it is not world-readable.
        await MatrixAssert.ErrorAsync(await carol.GetAsync(RoomInitialSync(room)), 403, "M_FORBIDDEN");
        await kit.StateAsync(room, alice, "m.room.history_visibility", "", new { history_visibility = "world_readable" });
        var peek = await MatrixAssert.OkAsync(await carol.GetAsync(RoomInitialSync(room, "limit=1")));
        Assert.Equal("leave", peek["membership"]!.GetValue<string>());
        Assert.Equal("m.room.history_visibility", peek["messages"]!["chunk"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("After bob", State(peek, "m.room.name")!["content"]!["name"]!.GetValue<string>());

        await MatrixAssert.ErrorAsync(await carol.GetAsync(RoomInitialSync(Protocol.Identifiers.RoomId.Parse("!nowhere:localhost"))), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{V3}/rooms/nope/initialSync"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(RoomInitialSync(room, "limit=many")), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(RoomInitialSync(room)), 401, "M_MISSING_TOKEN");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Initial_sync_lists_joined_invited_and_archived_rooms(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var bob = await kit.UserAsync("bob");
        var joined = await kit.RoomAsync(alice);
        await kit.JoinAsync(joined, bob);
        await kit.MessageAsync(joined, alice, "hello");
        var invited = await kit.RoomAsync(alice, joinRule: "invite");
        await kit.InviteAsync(invited, alice, bob);
        var left = await kit.RoomAsync(alice);
        await kit.JoinAsync(left, bob);
        await kit.LeaveAsync(left, bob);
        _ = await kit.RoomAsync(alice);
        await kit.Database.AccountData.SetAsync(bob.UserId, null, "org.example.config", """{"k":"v"}""");

        var body = await MatrixAssert.OkAsync(await bob.GetAsync($"{V3}/initialSync?limit=5"));
        Assert.StartsWith("s", body["end"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(body["presence"]!.AsArray());
        Assert.Equal("v", body["account_data"]!.AsArray().Single(e => e!["type"]!.GetValue<string>() == "org.example.config")!["content"]!["k"]!.GetValue<string>());
        var rooms = body["rooms"]!.AsArray().ToDictionary(r => r!["room_id"]!.GetValue<string>(), r => r!);
        Assert.Equal(2, rooms.Count);
        Assert.Equal("join", rooms[joined.Value]["membership"]!.GetValue<string>());
        Assert.Equal(["hello"], Bodies(rooms[joined.Value]["messages"]!["chunk"]));
        Assert.Equal(5, rooms[joined.Value]["messages"]!["chunk"]!.AsArray().Count);
        Assert.NotEmpty(rooms[joined.Value]["state"]!.AsArray());
        Assert.Equal("invite", rooms[invited.Value]["membership"]!.GetValue<string>());
        Assert.Equal(bob.UserId.Value, rooms[invited.Value]["invite"]!["state_key"]!.GetValue<string>());
        Assert.Equal("invite", rooms[invited.Value]["invite"]!["content"]!["membership"]!.GetValue<string>());

        var archived = await MatrixAssert.OkAsync(await bob.GetAsync($"{V3}/initialSync?archived=true"));
        var archivedRooms = archived["rooms"]!.AsArray().ToDictionary(r => r!["room_id"]!.GetValue<string>(), r => r!);
        Assert.Equal(3, archivedRooms.Count);
        Assert.Equal("leave", archivedRooms[left.Value]["membership"]!.GetValue<string>());

        // A forgotten room is no longer archived history.
        await MatrixAssert.OkAsync(await bob.PostAsync($"{V3}/rooms/{Uri.EscapeDataString(left.Value)}/forget", new { }));
        var afterForget = await MatrixAssert.OkAsync(await bob.GetAsync($"{V3}/initialSync?archived=true"));
        Assert.DoesNotContain(afterForget["rooms"]!.AsArray(), r => r!["room_id"]!.GetValue<string>() == left.Value);
        await MatrixAssert.ErrorAsync(await bob.GetAsync(RoomInitialSync(left)), 403, "M_FORBIDDEN");

        await MatrixAssert.ErrorAsync(await bob.GetAsync($"{V3}/initialSync?archived=maybe"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await bob.GetAsync($"{V3}/initialSync?limit=-1"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync($"{V3}/initialSync"), 401, "M_MISSING_TOKEN");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Event_stream_continues_from_initial_sync_and_long_polls(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var bob = await kit.UserAsync("bob");
        var room = await kit.RoomAsync(alice);
        await kit.JoinAsync(room, bob);
        var other = await kit.RoomAsync(alice, joinRule: "invite");
        await kit.MessageAsync(room, alice, "before");

        string end = (await MatrixAssert.OkAsync(await bob.GetAsync($"{V3}/initialSync?limit=1")))["end"]!.GetValue<string>();
        await kit.MessageAsync(room, alice, "one");
        await kit.MessageAsync(other, alice, "elsewhere");
        await kit.MessageAsync(room, alice, "two");

        await kit.InviteAsync(other, alice, bob);

        var first = await MatrixAssert.OkAsync(await bob.GetAsync($"{V3}/events?from={end}&timeout=0"));
        Assert.Equal(end, first["start"]!.GetValue<string>());
        Assert.Equal(["one", "two"], Bodies(first["chunk"]));
        // The invite to the other room reaches bob; the messages there do not.
        var invite = first["chunk"]!.AsArray()[^1]!;
        Assert.Equal(other.Value, invite["room_id"]!.GetValue<string>());
        Assert.Equal("invite", invite["content"]!["membership"]!.GetValue<string>());
        Assert.Equal(3, first["chunk"]!.AsArray().Count);
        string next = first["end"]!.GetValue<string>();

        // Nothing new: an empty chunk after the timeout, with the same position.
        var empty = await MatrixAssert.OkAsync(await bob.GetAsync($"{V3}/events?from={next}&timeout=0"));
        Assert.Empty(empty["chunk"]!.AsArray());

        // Long-poll: woken by a message sent while it waits.
        var stopwatch = Stopwatch.StartNew();
        var poll = bob.GetAsync($"{V3}/events?from={next}&timeout=20000");
        await Task.Delay(300);
        Assert.False(poll.IsCompleted);
        await kit.MessageAsync(room, alice, "three");
        var woken = await MatrixAssert.OkAsync(await poll);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15));
        Assert.Equal(["three"], Bodies(woken["chunk"]));

        // Without from, the stream starts now: start is the position before the event that woke it.
        var fromNow = bob.GetAsync($"{V3}/events?timeout=20000");
        await Task.Delay(300);
        await kit.MessageAsync(room, alice, "three and a half");
        var nowBody = await MatrixAssert.OkAsync(await fromNow);
        Assert.Equal(["three and a half"], Bodies(nowBody["chunk"]));
        Assert.Equal(woken["end"]!.GetValue<string>(), nowBody["start"]!.GetValue<string>());
        Assert.NotEqual(nowBody["start"]!.GetValue<string>(), nowBody["end"]!.GetValue<string>());

        // /sync's tokens are event stream tokens too.
        string since = (await MatrixAssert.OkAsync(await bob.GetAsync($"{V3}/sync?timeout=0")))["next_batch"]!.GetValue<string>();
        await kit.MessageAsync(room, alice, "four");
        Assert.Equal(["four"], Bodies((await MatrixAssert.OkAsync(await bob.GetAsync($"{V3}/events?from={since}&timeout=0")))["chunk"]));

        // Bob's own leave is in his stream; what follows it is not.
        string beforeLeave = (await MatrixAssert.OkAsync(await bob.GetAsync($"{V3}/events?timeout=0")))["end"]!.GetValue<string>();
        await kit.LeaveAsync(room, bob);
        await kit.MessageAsync(room, alice, "after");
        var leaving = await MatrixAssert.OkAsync(await bob.GetAsync($"{V3}/events?from={beforeLeave}&timeout=0"));
        var leave = leaving["chunk"]!.AsArray().Single()!;
        Assert.Equal("m.room.member", leave["type"]!.GetValue<string>());
        Assert.Equal("leave", leave["content"]!["membership"]!.GetValue<string>());

        await MatrixAssert.ErrorAsync(await bob.GetAsync($"{V3}/events?from=garbage"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await bob.GetAsync($"{V3}/events?from={end}&timeout=-5"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync($"{V3}/events"), 401, "M_MISSING_TOKEN");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Event_stream_peeks_into_world_readable_rooms(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var carol = await kit.UserAsync("carol");
        var readable = await kit.RoomAsync(alice, historyVisibility: "world_readable");
        var closed = await kit.RoomAsync(alice);

        string from = (await MatrixAssert.OkAsync(await carol.GetAsync($"{V3}/events?timeout=0")))["end"]!.GetValue<string>();
        await kit.MessageAsync(readable, alice, "public news");
        string peek = $"{V3}/events?from={from}&timeout=0&room_id={Uri.EscapeDataString(readable.Value)}";
        Assert.Equal(["public news"], Bodies((await MatrixAssert.OkAsync(await carol.GetAsync(peek)))["chunk"]));
        // Without room_id carol follows only her own rooms (none).
        Assert.Empty((await MatrixAssert.OkAsync(await carol.GetAsync($"{V3}/events?from={from}&timeout=0")))["chunk"]!.AsArray());

        await MatrixAssert.ErrorAsync(await carol.GetAsync($"{V3}/events?timeout=0&room_id={Uri.EscapeDataString(closed.Value)}"), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await carol.GetAsync($"{V3}/events?timeout=0&room_id=nope"), 400, "M_INVALID_PARAM");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Single_event_is_visibility_checked(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var bob = await kit.UserAsync("bob");
        var room = await kit.RoomAsync(alice, historyVisibility: "joined");
        var message = await kit.MessageAsync(room, alice, "secret");

        var body = await MatrixAssert.OkAsync(await alice.GetAsync($"{V3}/events/{Uri.EscapeDataString(message.Value)}"));
        Assert.Equal(message.Value, body["event_id"]!.GetValue<string>());
        Assert.Equal(room.Value, body["room_id"]!.GetValue<string>());
        Assert.Equal("secret", body["content"]!["body"]!.GetValue<string>());

        await MatrixAssert.ErrorAsync(await bob.GetAsync($"{V3}/events/{Uri.EscapeDataString(message.Value)}"), 404, "M_NOT_FOUND");
        // Joining later does not reveal what was sent before under "joined" visibility.
        await kit.JoinAsync(room, bob);
        await MatrixAssert.ErrorAsync(await bob.GetAsync($"{V3}/events/{Uri.EscapeDataString(message.Value)}"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{V3}/events/{Uri.EscapeDataString("$nothing")}"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{V3}/events/not-an-event"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync($"{V3}/events/{Uri.EscapeDataString(message.Value)}"), 401, "M_MISSING_TOKEN");
    }
}
