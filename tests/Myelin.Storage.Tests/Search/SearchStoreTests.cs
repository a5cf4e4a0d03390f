using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Search;
using Myelin.Storage.Tests.Infrastructure;

namespace Myelin.Storage.Tests.Search;

/// <summary>The engine-native full-text index: maintained on persist, emptied by redaction, queried by rank or recency.</summary>
public abstract class SearchStoreTests : StorageTestBase
{
    private static readonly UserId Alice = Ids.User("alice");

    private static SearchQuery Query(RoomBuilder room, params string[] words) => new() { Words = words, RoomIds = [room.RoomId] };

    [Fact]
    public async Task Messages_names_and_topics_are_found_by_word_prefix_in_the_given_rooms_only()
    {
        var room = new RoomBuilder(Db, Ids.Room("s"));
        await room.CreateAsync(Alice);
        var other = new RoomBuilder(Db, Ids.Room("o"));
        await other.CreateAsync(Alice);
        var martians = await room.MessageAsync(Alice, "The Martians are coming");
        await room.MessageAsync(Alice, "nothing to see");
        var name = await room.SendAsync(EventTypes.Name, Alice, new { name = "Martian embassy" }, "");
        var topic = await room.SendAsync(EventTypes.Topic, Alice, new Dictionary<string, object>
        {
            ["topic"] = "plain topic",
        }, "");
        var richTopic = await room.SendAsync(EventTypes.Topic, Alice, new Dictionary<string, object>
        {
            ["m.topic"] = new Dictionary<string, object> { ["m.text"] = new object[] { new { mimetype = "text/html", body = "<b>htmlonly</b>" }, new { body = "zebras welcome" } } },
        }, "");
        await other.MessageAsync(Alice, "martians elsewhere");
        // Not indexed: a member event, and a message without a body.
        await room.SendAsync(EventTypes.Member, Ids.User("martian"), new { membership = "join", displayname = "martian" }, Ids.User("martian").Value);

        var hits = await Db.Search.SearchAsync(Query(room, "martian"));
        Assert.Equal(new[] { name.EventId.Value, martians.EventId.Value }.Order(), hits.Select(h => h.Event.EventId.Value).Order());
        Assert.Equal(2, await Db.Search.CountAsync(Query(room, "martian")));
        Assert.All(hits, h => Assert.True(h.Rank > 0, "rank is positive, higher is closer"));
        Assert.Equal(topic.EventId, Assert.Single(await Db.Search.SearchAsync(Query(room, "plain"))).Event.EventId);
        Assert.Equal(richTopic.EventId, Assert.Single(await Db.Search.SearchAsync(Query(room, "zebra"))).Event.EventId);
        Assert.Empty(await Db.Search.SearchAsync(Query(room, "htmlonly")));
        // Every word must match; case does not matter.
        Assert.Equal(martians.EventId, Assert.Single(await Db.Search.SearchAsync(Query(room, "MARTIANS", "coming"))).Event.EventId);
        Assert.Empty(await Db.Search.SearchAsync(Query(room, "martians", "embassy", "coming")));
        // keys → types.
        Assert.Equal(name.EventId, Assert.Single(await Db.Search.SearchAsync(Query(room, "martian") with { Types = [EventTypes.Name] })).Event.EventId);
        Assert.Equal(3, (await Db.Search.SearchAsync(Query(room, "martian") with { RoomIds = [room.RoomId, other.RoomId] })).Count);
        Assert.Empty(await Db.Search.SearchAsync(Query(room, "martian") with { RoomIds = [] }));
    }

    [Fact]
    public async Task Recent_order_pages_by_position_and_rank_order_by_offset()
    {
        var room = new RoomBuilder(Db, Ids.Room("p"));
        await room.CreateAsync(Alice);
        var ids = new List<EventId>();
        for (int i = 0; i < 5; i++)
        {
            ids.Add((await room.MessageAsync(Alice, $"apple number {i}")).EventId);
        }
        var recent = Query(room, "apple") with { Order = SearchOrder.Recent, Limit = 2 };
        var page1 = await Db.Search.SearchAsync(recent);
        Assert.Equal([ids[4], ids[3]], page1.Select(h => h.Event.EventId));
        var page2 = await Db.Search.SearchAsync(recent with { Before = page1[^1].Event.StreamPosition.Value });
        Assert.Equal([ids[2], ids[1]], page2.Select(h => h.Event.EventId));
        Assert.Equal(5, await Db.Search.CountAsync(recent with { Before = page1[^1].Event.StreamPosition.Value }));

        var rank = Query(room, "apple") with { Limit = 3 };
        var all = (await Db.Search.SearchAsync(rank with { Limit = 10 })).Select(h => h.Event.EventId).ToList();
        Assert.Equal(5, all.Count);
        var rankPage2 = await Db.Search.SearchAsync(rank with { Offset = 3 });
        Assert.Equal(all.Skip(3), rankPage2.Select(h => h.Event.EventId));
    }

    [Fact]
    public async Task Redacted_events_leave_the_index_and_are_never_indexed_late()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        var secret = await room.MessageAsync(Alice, "secret password hunter2");
        Assert.Single(await Db.Search.SearchAsync(Query(room, "hunter2")));
        await room.SendAsync(room.Next(EventTypes.Redaction, Alice, new { }, redacts: secret.EventId));
        Assert.Empty(await Db.Search.SearchAsync(Query(room, "hunter2")));
        Assert.Equal(0, await Db.Search.CountAsync(Query(room, "secret")));
    }

    [Fact]
    public async Task Events_from_before_the_index_are_backfilled()
    {
        var room = new RoomBuilder(Db, Ids.Room("b"));
        await room.CreateAsync(Alice);
        var old1 = await room.MessageAsync(Alice, "ancient history");
        var old2 = await room.MessageAsync(Alice, "ancient times");
        // Simulate a database migrated from before the index: empty it and mark everything as to backfill.
        await Test.ScalarAsync("DELETE FROM event_search");
        await Test.ScalarAsync("UPDATE event_search_backfill SET up_to = (SELECT MAX(stream_ordering) FROM events)");
        Assert.Empty(await Db.Search.SearchAsync(Query(room, "ancient")));

        int rounds = 0;
        while (await Db.Search.BackfillAsync(2) > 0)
        {
            rounds++;
        }
        Assert.True(rounds >= 1);
        Assert.Equal(new[] { old1.EventId.Value, old2.EventId.Value }.Order(), (await Db.Search.SearchAsync(Query(room, "ancient"))).Select(h => h.Event.EventId.Value).Order());
        Assert.Equal(0, await Db.Search.BackfillAsync(2));
    }
}

public sealed class SearchStoreTests_Sqlite : SearchStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class SearchStoreTests_Postgres : SearchStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
