using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Timeline;

public class MessagesTests
{
    private static string Messages(RoomId room, string query) => $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room.Value)}/messages?{query}";

    private static List<string> Ids(JsonObject body) => body["chunk"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>()).ToList();

    private static async Task<List<string>> PageAllAsync(TestUser user, RoomId room, string dir, int limit, string? from = null)
    {
        var seen = new List<string>();
        string? token = from;
        for (int i = 0; i < 500; i++)
        {
            var body = await MatrixAssert.OkAsync(await user.GetAsync(Messages(room, $"dir={dir}&limit={limit}" + (token is null ? "" : "&from=" + Uri.EscapeDataString(token)))));
            if (token is not null)
            {
                Assert.Equal(token, body["start"]!.GetValue<string>());
            }
            Assert.True(body["chunk"]!.AsArray().Count <= limit);
            seen.AddRange(Ids(body));
            token = body["end"]?.GetValue<string>();
            if (token is null)
            {
                return seen;
            }
        }
        throw new InvalidOperationException("pagination did not end");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Pages_through_120_events_both_ways_without_gaps_or_duplicates(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var room = await kit.RoomAsync(alice);
        var sent = new List<string>();
        for (int i = 0; i < 120; i++)
        {
            sent.Add((await kit.MessageAsync(room, alice, $"m{i}")).Value);
        }
        // create, member, power levels, join rules, history visibility come first.
        var backwards = await PageAllAsync(alice, room, "b", 7);
        Assert.Equal(125, backwards.Count);
        Assert.Equal(backwards.Count, backwards.Distinct().Count());
        Assert.Equal(Enumerable.Reverse(sent), backwards.Take(120));

        var forwards = await PageAllAsync(alice, room, "f", 9);
        Assert.Equal(Enumerable.Reverse(backwards), forwards);

        // A token from the middle continues in either direction without overlap.
        var first = await MatrixAssert.OkAsync(await alice.GetAsync(Messages(room, "dir=b&limit=50")));
        string middle = first["end"]!.GetValue<string>();
        var older = await PageAllAsync(alice, room, "b", 11, middle);
        Assert.Equal(backwards.Skip(50), older);
        var back = await MatrixAssert.OkAsync(await alice.GetAsync(Messages(room, $"dir=f&limit=100&from={Uri.EscapeDataString(middle)}")));
        Assert.Equal(Enumerable.Reverse(backwards.Take(49)), Ids(back));
        Assert.Null(back["end"]);

        // 'to' stops the page.
        var bounded = await MatrixAssert.OkAsync(await alice.GetAsync(Messages(room, $"dir=b&limit=100&to={Uri.EscapeDataString(middle)}")));
        Assert.Equal(backwards.Take(49), Ids(bounded));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Accepts_sync_tokens_and_serves_client_events(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var room = await kit.RoomAsync(alice);
        var early = await kit.MessageAsync(room, alice, "early");
        var position = (await kit.Database.Events.GetEventAsync(early))!.StreamPosition.Value;
        var late = await kit.MessageAsync(room, alice, "late");

        var syncToken = $"s{position}_0_0_0_0_0_0_0";
        var back = await MatrixAssert.OkAsync(await alice.GetAsync(Messages(room, $"dir=b&limit=1&from={syncToken}")));
        Assert.Equal([early.Value], Ids(back));
        Assert.Equal(syncToken, back["start"]!.GetValue<string>());
        var forward = await MatrixAssert.OkAsync(await alice.GetAsync(Messages(room, $"dir=f&from={syncToken}")));
        Assert.Equal([late.Value], Ids(forward));
        Assert.Null(forward["end"]);

        var e = back["chunk"]![0]!.AsObject();
        Assert.Equal("m.room.message", e["type"]!.GetValue<string>());
        Assert.Equal(room.Value, e["room_id"]!.GetValue<string>());
        Assert.Equal(alice.UserId.Value, e["sender"]!.GetValue<string>());
        Assert.Equal("early", e["content"]!["body"]!.GetValue<string>());
        Assert.NotNull(e["origin_server_ts"]);
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task History_visibility_limits_what_late_joiners_and_outsiders_read(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var bob = await kit.UserAsync("bob");
        var carol = await kit.UserAsync("carol");

        var joinedRoom = await kit.RoomAsync(alice, "joined");
        var hidden = await kit.MessageAsync(joinedRoom, alice, "before bob");
        var bobJoin = await kit.JoinAsync(joinedRoom, bob);
        var seen = await kit.MessageAsync(joinedRoom, alice, "after bob");
        var bobView = await PageAllAsync(bob, joinedRoom, "b", 2);
        // The room's creation events predate the "joined" setting (default "shared"), so Bob sees those; not "before bob".
        Assert.Equal([seen.Value, bobJoin.Value], bobView.Take(2));
        Assert.DoesNotContain(hidden.Value, bobView);
        Assert.Equal(7, bobView.Count);
        Assert.DoesNotContain(hidden.Value, await PageAllAsync(bob, joinedRoom, "f", 3));

        var sharedRoom = await kit.RoomAsync(alice, "shared");
        var old = await kit.MessageAsync(sharedRoom, alice, "old");
        await kit.JoinAsync(sharedRoom, bob);
        Assert.Contains(old.Value, await PageAllAsync(bob, sharedRoom, "b", 4));
        // Carol never joined: M_FORBIDDEN.
        await MatrixAssert.ErrorAsync(await carol.GetAsync(Messages(sharedRoom, "dir=b")), 403, "M_FORBIDDEN");

        // Bob leaves: he still reads up to his leave, nothing after.
        var leave = await kit.LeaveAsync(sharedRoom, bob);
        var afterLeave = await kit.MessageAsync(sharedRoom, alice, "after bob left");
        var leftView = await PageAllAsync(bob, sharedRoom, "b", 5);
        Assert.Equal(leave.Value, leftView[0]);
        Assert.DoesNotContain(afterLeave.Value, leftView);

        var publicRoom = await kit.RoomAsync(alice, "world_readable");
        var open = await kit.MessageAsync(publicRoom, alice, "open");
        Assert.Equal(open.Value, (await PageAllAsync(carol, publicRoom, "b", 10))[0]);
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Filters_lazy_loads_members_and_bundles_aggregations(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var bob = await kit.UserAsync("bob");
        var room = await kit.RoomAsync(alice);
        var bobJoin = await kit.JoinAsync(room, bob);
        var original = await kit.MessageAsync(room, alice, "orignal");
        var edit = await kit.SendAsync(room, alice, "m.room.message", new Dictionary<string, object>
        {
            ["msgtype"] = "m.text",
            ["body"] = "* original",
            ["m.new_content"] = new { msgtype = "m.text", body = "original" },
            ["m.relates_to"] = new { rel_type = "m.replace", event_id = original.Value },
        });
        // Bob may not edit Alice's message: not a valid replacement.
        await kit.SendAsync(room, bob, "m.room.message", new Dictionary<string, object>
        {
            ["msgtype"] = "m.text",
            ["body"] = "* hijack",
            ["m.new_content"] = new { msgtype = "m.text", body = "hijack" },
            ["m.relates_to"] = new { rel_type = "m.replace", event_id = original.Value },
        });
        var reply = await kit.SendAsync(room, bob, "m.room.message", new Dictionary<string, object>
        {
            ["msgtype"] = "m.text",
            ["body"] = "in thread",
            ["m.relates_to"] = new { rel_type = "m.thread", event_id = original.Value },
        });
        await kit.StateAsync(room, alice, "m.room.topic", "", new { topic = "t" });

        string filter = Uri.EscapeDataString("""{"types":["m.room.message"],"senders":["@bob:localhost"],"lazy_load_members":true}""");
        var filtered = await MatrixAssert.OkAsync(await alice.GetAsync(Messages(room, $"dir=b&filter={filter}")));
        Assert.Equal(2, filtered["chunk"]!.AsArray().Count);
        Assert.All(filtered["chunk"]!.AsArray(), e => Assert.Equal(bob.UserId.Value, e!["sender"]!.GetValue<string>()));
        var state = filtered["state"]!.AsArray();
        Assert.Equal([bobJoin.Value], state.Select(e => e!["event_id"]!.GetValue<string>()));

        var all = await MatrixAssert.OkAsync(await alice.GetAsync(Messages(room, "dir=b&limit=20")));
        Assert.Null(all["state"]);
        var root = all["chunk"]!.AsArray().Single(e => e!["event_id"]!.GetValue<string>() == original.Value)!;
        var relations = root["unsigned"]!["m.relations"]!;
        Assert.Equal(edit.Value, relations["m.replace"]!["event_id"]!.GetValue<string>());
        Assert.Equal("original", relations["m.replace"]!["content"]!["m.new_content"]!["body"]!.GetValue<string>());
        Assert.Equal(1, relations["m.thread"]!["count"]!.GetValue<int>());
        Assert.Equal(reply.Value, relations["m.thread"]!["latest_event"]!["event_id"]!.GetValue<string>());
        Assert.True(relations["m.thread"]!["current_user_participated"]!.GetValue<bool>());
        // The original's content is left intact (spec: event_replacements).
        Assert.Equal("orignal", root["content"]!["body"]!.GetValue<string>());

        // Bob did not start the thread but replied in it; a third user who ignores Bob sees no thread.
        var carol = await kit.UserAsync("carol");
        await kit.JoinAsync(room, carol);
        await kit.IgnoreAsync(carol, bob);
        var carolView = await MatrixAssert.OkAsync(await carol.GetAsync(Messages(room, "dir=b&limit=20")));
        var carolRoot = carolView["chunk"]!.AsArray().Single(e => e!["event_id"]!.GetValue<string>() == original.Value)!;
        Assert.Null(carolRoot["unsigned"]!["m.relations"]!["m.thread"]);
        Assert.DoesNotContain(reply.Value, Ids(carolView));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Rejects_bad_parameters(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var room = await kit.RoomAsync(alice);

        await MatrixAssert.ErrorAsync(await alice.GetAsync(Messages(room, "")), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(Messages(room, "dir=up")), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(Messages(room, "dir=b&limit=-1")), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(Messages(room, "dir=b&limit=ten")), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(Messages(room, "dir=b&from=garbage")), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(Messages(room, "dir=b&to=x1")), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(Messages(room, "dir=b&filter=%7Bnot")), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(Messages(room, "dir=b&filter=%5B%5D")), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.GetAsync("/_matrix/client/v3/rooms/not-a-room/messages?dir=b"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(Messages(RoomId.Parse("!unknown:localhost"), "dir=b")), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(Messages(room, "dir=b")), 401, "M_MISSING_TOKEN");

        // limit=0 is valid: an empty chunk and a token to continue from.
        var empty = await MatrixAssert.OkAsync(await alice.GetAsync(Messages(room, "dir=b&limit=0")));
        Assert.Empty(empty["chunk"]!.AsArray());
        // The legacy r0 prefix serves it too.
        await MatrixAssert.OkAsync(await alice.GetAsync(Messages(room, "dir=b").Replace("/v3/", "/r0/", StringComparison.Ordinal)));
    }
}
