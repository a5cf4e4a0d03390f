using System.Text.Json.Nodes;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.ClientApi.Timeline;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Search;

/// <summary>spec: client-server "Server Side Search" (POST /search, room_events).</summary>
public class SearchTests
{
    private const string SearchPath = "/_matrix/client/v3/search";

    private static Dictionary<string, object> Criteria(string term, Action<Dictionary<string, object>>? change = null)
    {
        var criteria = new Dictionary<string, object> { ["search_term"] = term };
        change?.Invoke(criteria);
        return criteria;
    }

    private static async Task<JsonObject> SearchAsync(TestUser user, Dictionary<string, object> criteria, string? nextBatch = null)
    {
        string path = nextBatch is null ? SearchPath : $"{SearchPath}?next_batch={Uri.EscapeDataString(nextBatch)}";
        var body = await MatrixAssert.OkAsync(await user.PostAsync(path, new { search_categories = new { room_events = criteria } }));
        return body["search_categories"]!["room_events"]!.AsObject();
    }

    private static List<string> ResultIds(JsonObject roomEvents) =>
        roomEvents["results"]!.AsArray().Select(r => r!["result"]!["event_id"]!.GetValue<string>()).ToList();

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Messages_names_and_topics_are_found_in_rank_and_recent_order_with_count_highlights_keys_and_filters(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync();
        var bob = await kit.UserAsync();
        var room = await kit.RoomAsync(alice);
        await kit.JoinAsync(room, bob);
        var quickFox = await kit.MessageAsync(room, alice, "the quick brown fox");
        await kit.MessageAsync(room, alice, "a lazy dog");
        var foxesQuick = await kit.MessageAsync(room, alice, "Foxes are quick, very quick");
        var name = await kit.StateAsync(room, alice, EventTypes.Name, "", new { name = "Fox den" });
        var topic = await kit.StateAsync(room, alice, EventTypes.Topic, "", new { topic = "all about foxes" });
        var bobs = await kit.MessageAsync(room, bob, "bob saw a fox");

        var recent = await SearchAsync(alice, Criteria("fox", c => c["order_by"] = "recent"));
        Assert.Equal([bobs.Value, topic.Value, name.Value, foxesQuick.Value, quickFox.Value], ResultIds(recent));
        Assert.Equal(5, recent["count"]!.GetValue<long>());
        Assert.False(recent.ContainsKey("next_batch"));
        var highlights = recent["highlights"]!.AsArray().Select(h => h!.GetValue<string>()).ToList();
        Assert.Contains("fox", highlights);
        Assert.Contains("foxes", highlights);
        Assert.Contains("Foxes", highlights);
        Assert.DoesNotContain("quick", highlights);
        var first = recent["results"]![0]!.AsObject();
        Assert.Equal(room.Value, first["result"]!["room_id"]!.GetValue<string>());
        Assert.Equal("bob saw a fox", first["result"]!["content"]!["body"]!.GetValue<string>());
        Assert.Equal(bob.UserId.Value, first["result"]!["sender"]!.GetValue<string>());

        // rank (the default): most relevant first, ranks positive and not increasing.
        var ranked = await SearchAsync(alice, Criteria("quick"));
        Assert.Equal(2, ranked["results"]!.AsArray().Count);
        var ranks = ranked["results"]!.AsArray().Select(r => r!["rank"]!.GetValue<double>()).ToList();
        Assert.All(ranks, r => Assert.True(r > 0));
        Assert.True(ranks[0] >= ranks[1]);
        // "quick" twice, in a shorter text: more relevant.
        Assert.Equal(foxesQuick.Value, ResultIds(ranked)[0]);

        // Every word must match.
        Assert.Equal([foxesQuick.Value, quickFox.Value], ResultIds(await SearchAsync(alice, Criteria("quick fox", c => c["order_by"] = "recent"))));
        Assert.Empty(ResultIds(await SearchAsync(alice, Criteria("fox unicorn"))));
        Assert.Empty(ResultIds(await SearchAsync(alice, Criteria("  ...  "))));

        // keys
        Assert.Equal([name.Value], ResultIds(await SearchAsync(alice, Criteria("fox", c => c["keys"] = new[] { "content.name" }))));
        Assert.Equal([topic.Value], ResultIds(await SearchAsync(alice, Criteria("fox", c => c["keys"] = new[] { "content.topic" }))));
        Assert.Equal([bobs.Value, foxesQuick.Value, quickFox.Value],
            ResultIds(await SearchAsync(alice, Criteria("fox", c => { c["keys"] = new[] { "content.body" }; c["order_by"] = "recent"; }))));

        // filter: senders, not_senders, types, rooms, not_rooms.
        Assert.Equal([bobs.Value], ResultIds(await SearchAsync(alice, Criteria("fox", c => c["filter"] = new { senders = new[] { bob.UserId.Value } }))));
        Assert.DoesNotContain(bobs.Value, ResultIds(await SearchAsync(alice, Criteria("fox", c => c["filter"] = new { not_senders = new[] { bob.UserId.Value } }))));
        Assert.Equal([topic.Value], ResultIds(await SearchAsync(alice, Criteria("fox", c => c["filter"] = new { types = new[] { "m.room.topic" } }))));
        Assert.Empty(ResultIds(await SearchAsync(alice, Criteria("fox", c => c["filter"] = new { not_rooms = new[] { room.Value } }))));
        Assert.Equal(5, ResultIds(await SearchAsync(alice, Criteria("fox", c => c["filter"] = new { rooms = new[] { room.Value } }))).Count);

        // groupings
        var grouped = await SearchAsync(alice, Criteria("fox", c =>
        {
            c["order_by"] = "recent";
            c["groupings"] = new { group_by = new[] { new { key = "room_id" }, new { key = "sender" } } };
        }));
        var roomGroup = grouped["groups"]!["room_id"]![room.Value]!.AsObject();
        Assert.Equal(ResultIds(grouped), roomGroup["results"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(1, roomGroup["order"]!.GetValue<int>());
        var senders = grouped["groups"]!["sender"]!.AsObject();
        Assert.Equal([bobs.Value], senders[bob.UserId.Value]!["results"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(4, senders[alice.UserId.Value]!["results"]!.AsArray().Count);
        Assert.Equal(1, senders[bob.UserId.Value]!["order"]!.GetValue<int>());
        Assert.Equal(2, senders[alice.UserId.Value]!["order"]!.GetValue<int>());

        // include_state: the room's current state.
        var withState = await SearchAsync(alice, Criteria("den", c => c["include_state"] = true));
        var state = withState["state"]![room.Value]!.AsArray();
        Assert.Contains(state, e => e!["type"]!.GetValue<string>() == "m.room.name" && e["content"]!["name"]!.GetValue<string>() == "Fox den");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Results_page_with_next_batch_in_both_orders_and_within_a_group(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync();
        var room = await kit.RoomAsync(alice);
        var other = await kit.RoomAsync(alice);
        var ids = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            ids.Add((await kit.MessageAsync(room, alice, $"apple pie number {i}")).Value);
        }
        var elsewhere = (await kit.MessageAsync(other, alice, "apple crumble")).Value;

        var criteria = Criteria("apple", c => { c["order_by"] = "recent"; c["filter"] = new { limit = 2 }; });
        var page1 = await SearchAsync(alice, criteria);
        Assert.Equal([elsewhere, ids[4]], ResultIds(page1));
        Assert.Equal(6, page1["count"]!.GetValue<long>());
        var page2 = await SearchAsync(alice, criteria, page1["next_batch"]!.GetValue<string>());
        Assert.Equal([ids[3], ids[2]], ResultIds(page2));
        var page3 = await SearchAsync(alice, criteria, page2["next_batch"]!.GetValue<string>());
        Assert.Equal([ids[1], ids[0]], ResultIds(page3));
        if (page3["next_batch"] is { } last)
        {
            Assert.Empty(ResultIds(await SearchAsync(alice, criteria, last.GetValue<string>())));
        }

        // rank order pages too, and the pages together are the whole ranking.
        var rankCriteria = Criteria("apple", c => c["filter"] = new { limit = 4 });
        var all = ResultIds(await SearchAsync(alice, Criteria("apple")));
        Assert.Equal(6, all.Count);
        var rank1 = await SearchAsync(alice, rankCriteria);
        var rank2 = await SearchAsync(alice, rankCriteria, rank1["next_batch"]!.GetValue<string>());
        Assert.Equal(all, ResultIds(rank1).Concat(ResultIds(rank2)));
        Assert.False(rank2.ContainsKey("next_batch"));

        // A group's next_batch continues within that group only.
        var grouped = Criteria("apple", c =>
        {
            c["order_by"] = "recent";
            c["filter"] = new { limit = 2 };
            c["groupings"] = new { group_by = new[] { new { key = "room_id" } } };
        });
        var groupedPage = await SearchAsync(alice, grouped);
        string roomToken = groupedPage["groups"]!["room_id"]![room.Value]!["next_batch"]!.GetValue<string>();
        var inRoom = await SearchAsync(alice, grouped, roomToken);
        Assert.Equal([ids[3], ids[2]], ResultIds(inRoom));
        Assert.All(inRoom["results"]!.AsArray(), r => Assert.Equal(room.Value, r!["result"]!["room_id"]!.GetValue<string>()));

        // A token of the other order, or garbage, is refused.
        await MatrixAssert.ErrorAsync(await alice.PostAsync($"{SearchPath}?next_batch={Uri.EscapeDataString(page1["next_batch"]!.GetValue<string>())}",
            new { search_categories = new { room_events = Criteria("apple") } }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync($"{SearchPath}?next_batch=%%%garbage",
            new { search_categories = new { room_events = Criteria("apple") } }), 400, "M_INVALID_PARAM");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Event_context_has_the_events_around_each_result_tokens_and_profiles(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync();
        var room = await kit.RoomAsync(alice);
        await kit.StateAsync(room, alice, EventTypes.Member, alice.UserId.Value, new { membership = "join", displayname = "Alice A.", avatar_url = "mxc://localhost/alice" });
        var before2 = await kit.MessageAsync(room, alice, "one");
        var before1 = await kit.MessageAsync(room, alice, "two");
        var hit = await kit.MessageAsync(room, alice, "the needle");
        var after1 = await kit.MessageAsync(room, alice, "three");
        await kit.MessageAsync(room, alice, "four");

        var found = await SearchAsync(alice, Criteria("needle", c => c["event_context"] = new { before_limit = 2, after_limit = 1, include_profile = true }));
        var result = Assert.Single(found["results"]!.AsArray())!.AsObject();
        Assert.Equal(hit.Value, result["result"]!["event_id"]!.GetValue<string>());
        var context = result["context"]!.AsObject();
        Assert.Equal([before1.Value, before2.Value], context["events_before"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>()));
        Assert.Equal([after1.Value], context["events_after"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>()));
        var profile = context["profile_info"]![alice.UserId.Value]!.AsObject();
        Assert.Equal("Alice A.", profile["displayname"]!.GetValue<string>());
        Assert.Equal("mxc://localhost/alice", profile["avatar_url"]!.GetValue<string>());

        // start/end are /messages tokens: paginating back from start continues before the context.
        string start = context["start"]!.GetValue<string>();
        var older = await MatrixAssert.OkAsync(await alice.GetAsync($"/_matrix/client/v3/rooms/{room}/messages?dir=b&limit=1&from={Uri.EscapeDataString(start)}"));
        Assert.NotEqual(before2.Value, older["chunk"]![0]!["event_id"]!.GetValue<string>());
        string end = context["end"]!.GetValue<string>();
        var newer = await MatrixAssert.OkAsync(await alice.GetAsync($"/_matrix/client/v3/rooms/{room}/messages?dir=f&limit=1&from={Uri.EscapeDataString(end)}"));
        Assert.Equal("four", newer["chunk"]![0]!["content"]!["body"]!.GetValue<string>());

        // Default context: 5 each side, no profiles.
        var defaults = (await SearchAsync(alice, Criteria("needle", c => c["event_context"] = new { })))["results"]![0]!["context"]!.AsObject();
        Assert.Equal(5, defaults["events_before"]!.AsArray().Count);
        Assert.Equal(2, defaults["events_after"]!.AsArray().Count);
        Assert.False(defaults.ContainsKey("profile_info"));
        Assert.False(((JsonObject)(await SearchAsync(alice, Criteria("needle")))["results"]![0]!).ContainsKey("context"));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Only_events_the_user_may_see_are_found(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync();
        var carol = await kit.UserAsync();
        var outsider = await kit.UserAsync();
        var room = await kit.RoomAsync(alice, historyVisibility: "joined");
        await kit.MessageAsync(room, alice, "secret plans before carol");
        await kit.JoinAsync(room, carol);
        var seen = await kit.MessageAsync(room, alice, "plans while carol is here");
        await kit.LeaveAsync(room, carol);
        await kit.MessageAsync(room, alice, "plans after carol left");

        Assert.Equal(3, ResultIds(await SearchAsync(alice, Criteria("plans"))).Count);
        // Joined later with history_visibility=joined: nothing from before; left: nothing from after.
        Assert.Equal([seen.Value], ResultIds(await SearchAsync(carol, Criteria("plans"))));
        // Never in the room: nothing at all, not even a count.
        var none = await SearchAsync(outsider, Criteria("plans"));
        Assert.Empty(ResultIds(none));
        Assert.Equal(0, none["count"]!.GetValue<long>());

        // A shared room shows history to a member who joins later.
        var shared = await kit.RoomAsync(alice, historyVisibility: "shared");
        var early = await kit.MessageAsync(shared, alice, "shared history item");
        await kit.JoinAsync(shared, outsider);
        Assert.Equal([early.Value], ResultIds(await SearchAsync(outsider, Criteria("history"))));

        // Redacted events leave the index.
        var redaction = await MatrixAssert.OkAsync(await alice.PutAsync(
            $"/_matrix/client/v3/rooms/{shared}/redact/{Uri.EscapeDataString(early.Value)}/r1", new { reason = "oops" }));
        Assert.NotNull(redaction["event_id"]);
        Assert.Empty(ResultIds(await SearchAsync(alice, Criteria("history"))));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Malformed_searches_are_refused_with_the_spec_errors(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync();

        async Task ExpectAsync(object body, string errcode) =>
            await MatrixAssert.ErrorAsync(await alice.PostAsync(SearchPath, body), 400, errcode);

        await ExpectAsync(new { }, "M_MISSING_PARAM");
        await ExpectAsync(new { search_categories = 5 }, "M_BAD_JSON");
        await ExpectAsync(new { search_categories = new { room_events = new { } } }, "M_MISSING_PARAM");
        await ExpectAsync(new { search_categories = new { room_events = new { search_term = 5 } } }, "M_BAD_JSON");
        await ExpectAsync(new { search_categories = new { room_events = new { search_term = "x", keys = new[] { "content.url" } } } }, "M_INVALID_PARAM");
        await ExpectAsync(new { search_categories = new { room_events = new { search_term = "x", keys = "content.body" } } }, "M_BAD_JSON");
        await ExpectAsync(new { search_categories = new { room_events = new { search_term = "x", order_by = "oldest" } } }, "M_INVALID_PARAM");
        await ExpectAsync(new { search_categories = new { room_events = new { search_term = "x", filter = new { limit = "ten" } } } }, "M_BAD_JSON");
        await ExpectAsync(new { search_categories = new { room_events = new { search_term = "x", event_context = new { before_limit = -1 } } } }, "M_INVALID_PARAM");
        await ExpectAsync(new { search_categories = new { room_events = new { search_term = "x", event_context = new { include_profile = "yes" } } } }, "M_BAD_JSON");
        await ExpectAsync(new { search_categories = new { room_events = new { search_term = "x", groupings = new { group_by = new[] { new { key = "type" } } } } } }, "M_INVALID_PARAM");
        await ExpectAsync(new { search_categories = new { room_events = new { search_term = "x", include_state = 1 } } }, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.SendAsync(HttpMethod.Post, SearchPath, "[]"), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.SendAsync(HttpMethod.Post, SearchPath, "{"), 400, "M_NOT_JSON");
        await MatrixAssert.ErrorAsync(await server.Http.PostAsync(SearchPath, null), 401, "M_MISSING_TOKEN");

        // A category this server does not know is answered with no results for it.
        var unknown = await MatrixAssert.OkAsync(await alice.PostAsync(SearchPath, new { search_categories = new { } }));
        Assert.Empty(unknown["search_categories"]!.AsObject());
        // r0 serves it too.
        await MatrixAssert.OkAsync(await alice.PostAsync("/_matrix/client/r0/search", new { search_categories = new { room_events = new { search_term = "x" } } }));
    }
}
