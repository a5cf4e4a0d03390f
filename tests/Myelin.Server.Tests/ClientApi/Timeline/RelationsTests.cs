using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Timeline;

public class RelationsTests
{
    private static string Room(RoomId room) => $"/_matrix/client/v1/rooms/{Uri.EscapeDataString(room.Value)}";

    private static List<string> Ids(JsonObject body) => body["chunk"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>()).ToList();

    private static Dictionary<string, object> Related(string relType, EventId parent, string body, string? key = null) => new()
    {
        ["msgtype"] = "m.text",
        ["body"] = body,
        ["m.relates_to"] = key is null ? new { rel_type = relType, event_id = parent.Value } : new { rel_type = relType, event_id = parent.Value, key },
    };

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Relations_filter_paginate_and_recurse(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var carol = await kit.UserAsync("carol");
        var room = await kit.RoomAsync(alice, "joined");
        var root = await kit.MessageAsync(room, alice, "root");
        var replies = new List<EventId>();
        for (int i = 0; i < 5; i++)
        {
            replies.Add(await kit.SendAsync(room, alice, "m.room.message", Related("m.thread", root, $"r{i}")));
        }
        var reaction = await kit.SendAsync(room, alice, "m.reaction", new Dictionary<string, object> { ["m.relates_to"] = new { rel_type = "m.annotation", event_id = root.Value, key = "👍" } });
        var nested = await kit.SendAsync(room, alice, "m.reaction", new Dictionary<string, object> { ["m.relates_to"] = new { rel_type = "m.annotation", event_id = replies[0].Value, key = "👀" } });

        var all = await MatrixAssert.OkAsync(await alice.GetAsync($"{Room(room)}/relations/{root.Value}"));
        Assert.Equal([reaction.Value, .. Enumerable.Reverse(replies).Select(r => r.Value)], Ids(all));
        Assert.Null(all["next_batch"]);
        Assert.Null(all["recursion_depth"]);

        var threads = await MatrixAssert.OkAsync(await alice.GetAsync($"{Room(room)}/relations/{root.Value}/m.thread?limit=2&dir=f"));
        Assert.Equal(replies.Take(2).Select(r => r.Value), Ids(threads));
        string next = threads["next_batch"]!.GetValue<string>();
        var rest = await MatrixAssert.OkAsync(await alice.GetAsync($"{Room(room)}/relations/{root.Value}/m.thread?limit=10&dir=f&from={next}"));
        Assert.Equal(replies.Skip(2).Select(r => r.Value), Ids(rest));
        Assert.Equal(next, rest["prev_batch"]!.GetValue<string>());

        var reactions = await MatrixAssert.OkAsync(await alice.GetAsync($"{Room(room)}/relations/{root.Value}/m.annotation/m.reaction"));
        Assert.Equal([reaction.Value], Ids(reactions));
        Assert.Empty(Ids(await MatrixAssert.OkAsync(await alice.GetAsync($"{Room(room)}/relations/{root.Value}/m.annotation/m.room.message"))));

        var recursive = await MatrixAssert.OkAsync(await alice.GetAsync($"{Room(room)}/relations/{root.Value}?recurse=true"));
        Assert.Contains(nested.Value, Ids(recursive));
        Assert.Equal(2, recursive["recursion_depth"]!.GetValue<int>());
        Assert.Equal(0, (await MatrixAssert.OkAsync(await alice.GetAsync($"{Room(room)}/relations/{root.Value}?recurse=false")))["recursion_depth"]!.GetValue<int>());

        // Carol is not in the room (history "joined"): the parent is not found for her.
        await MatrixAssert.ErrorAsync(await carol.GetAsync($"{Room(room)}/relations/{root.Value}"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{Room(room)}/relations/$unknown"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{Room(room)}/relations/{root.Value}?dir=x"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{Room(room)}/relations/{root.Value}?from=nope"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{Room(room)}/relations/{root.Value}?recurse=maybe"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{Room(room)}/relations/not-an-event"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync($"{Room(room)}/relations/{root.Value}"), 401, "M_MISSING_TOKEN");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Threads_list_by_latest_activity_and_participation(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var bob = await kit.UserAsync("bob");
        var carol = await kit.UserAsync("carol");
        var room = await kit.RoomAsync(alice);
        await kit.JoinAsync(room, bob);
        var first = await kit.MessageAsync(room, alice, "first thread");
        var second = await kit.MessageAsync(room, bob, "second thread");
        await kit.SendAsync(room, bob, "m.room.message", Related("m.thread", second, "reply 2"));
        await kit.SendAsync(room, bob, "m.room.message", Related("m.thread", first, "reply 1"));

        var all = await MatrixAssert.OkAsync(await alice.GetAsync($"{Room(room)}/threads"));
        Assert.Equal([first.Value, second.Value], Ids(all));
        Assert.Equal(1, all["chunk"]![0]!["unsigned"]!["m.relations"]!["m.thread"]!["count"]!.GetValue<int>());

        var paged = await MatrixAssert.OkAsync(await alice.GetAsync($"{Room(room)}/threads?limit=1"));
        Assert.Equal([first.Value], Ids(paged));
        var page2 = await MatrixAssert.OkAsync(await alice.GetAsync($"{Room(room)}/threads?limit=1&from={paged["next_batch"]!.GetValue<string>()}"));
        Assert.Equal([second.Value], Ids(page2));
        Assert.Null(page2["next_batch"]);

        var mine = await MatrixAssert.OkAsync(await alice.GetAsync($"{Room(room)}/threads?include=participated"));
        Assert.Equal([first.Value], Ids(mine));

        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{Room(room)}/threads?include=some"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{Room(room)}/threads?limit=0"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{Room(room)}/threads?from=zzz"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await carol.GetAsync($"{Room(room)}/threads"), 403, "M_FORBIDDEN");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Timestamp_to_event_finds_the_closest_event_each_way(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var carol = await kit.UserAsync("carol");
        var room = await kit.RoomAsync(alice);
        var message = await kit.Writer.SendAsync(new Myelin.Server.Rooms.NewEvent(room, alice.UserId, "m.room.message",
            TimelineTestKit.Json(new { msgtype = "m.text", body = "dated" })) { Timestamp = 4_000_000_000_000 }, CancellationToken.None);
        string url = $"{Room(room)}/timestamp_to_event";

        var forward = await MatrixAssert.OkAsync(await alice.GetAsync($"{url}?ts=3999999999999&dir=f"));
        Assert.Equal(message.EventId.Value, forward["event_id"]!.GetValue<string>());
        Assert.Equal(4_000_000_000_000, forward["origin_server_ts"]!.GetValue<long>());
        var backward = await MatrixAssert.OkAsync(await alice.GetAsync($"{url}?ts=4000000000001&dir=b"));
        Assert.Equal(message.EventId.Value, backward["event_id"]!.GetValue<string>());

        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{url}?ts=4000000000001&dir=f"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{url}?ts=1&dir=b"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{url}?dir=b"), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{url}?ts=1"), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{url}?ts=soon&dir=b"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await carol.GetAsync($"{url}?ts=1&dir=f"), 403, "M_FORBIDDEN");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Context_returns_the_event_with_neighbours_tokens_and_state(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var bob = await kit.UserAsync("bob");
        var carol = await kit.UserAsync("carol");
        var room = await kit.RoomAsync(alice, "joined");
        var bobJoin = await kit.JoinAsync(room, bob);
        var ids = new List<EventId>();
        for (int i = 0; i < 10; i++)
        {
            ids.Add(await kit.MessageAsync(room, i % 2 == 0 ? alice : bob, $"m{i}"));
        }
        string url = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room.Value)}/context/{ids[5].Value}";

        var body = await MatrixAssert.OkAsync(await alice.GetAsync(url + "?limit=4"));
        Assert.Equal(ids[5].Value, body["event"]!["event_id"]!.GetValue<string>());
        Assert.Equal([ids[4].Value, ids[3].Value], body["events_before"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>()));
        Assert.Equal([ids[6].Value, ids[7].Value], body["events_after"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>()));
        var state = body["state"]!.AsArray();
        Assert.Contains(state, e => e!["type"]!.GetValue<string>() == "m.room.create");
        Assert.Contains(state, e => e!["event_id"]!.GetValue<string>() == bobJoin.Value);

        // The tokens continue in /messages exactly where the context ends.
        var older = await MatrixAssert.OkAsync(await alice.GetAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room.Value)}/messages?dir=b&limit=1&from={body["start"]!.GetValue<string>()}"));
        Assert.Equal(ids[2].Value, older["chunk"]![0]!["event_id"]!.GetValue<string>());
        var newer = await MatrixAssert.OkAsync(await alice.GetAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room.Value)}/messages?dir=f&limit=1&from={body["end"]!.GetValue<string>()}"));
        Assert.Equal(ids[8].Value, newer["chunk"]![0]!["event_id"]!.GetValue<string>());

        // limit=0 still returns the event; lazy loading keeps only the senders' members (plus non-member state).
        var zero = await MatrixAssert.OkAsync(await alice.GetAsync(url + "?limit=0&filter=" + Uri.EscapeDataString("""{"lazy_load_members":true}""")));
        Assert.Empty(zero["events_before"]!.AsArray());
        Assert.Empty(zero["events_after"]!.AsArray());
        var members = zero["state"]!.AsArray().Where(e => e!["type"]!.GetValue<string>() == "m.room.member").Select(e => e!["state_key"]!.GetValue<string>());
        Assert.Equal([bob.UserId.Value], members);

        await MatrixAssert.ErrorAsync(await alice.GetAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room.Value)}/context/$missing"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await carol.GetAsync(url), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(url + "?limit=x"), 400, "M_INVALID_PARAM");
        // An event Carol cannot see (sent before she joined, history "joined") is not found for her.
        await kit.JoinAsync(room, carol);
        await MatrixAssert.ErrorAsync(await carol.GetAsync(url), 404, "M_NOT_FOUND");
    }
}
