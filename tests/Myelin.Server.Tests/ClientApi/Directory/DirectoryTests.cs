using System.Text.Json.Nodes;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Directory;

public class DirectoryTests
{
    private static string AliasPath(string alias) => $"/_matrix/client/v3/directory/room/{Uri.EscapeDataString(alias)}";

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Aliases_are_created_resolved_listed_and_deleted(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        var eve = await server.CreateUserAsync();
        string room = await alice.CreateRoomAsync(new { preset = "public_chat", room_alias_name = "main" });
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "join"));
        string name = $"#bobs:{server.ServerName}";

        // Bob (a member) adds an alias; it resolves without a token; a second mapping conflicts.
        await MatrixAssert.OkAsync(await bob.PutAsync(AliasPath(name), new { room_id = room }));
        var resolved = await MatrixAssert.OkAsync(await server.Http.GetAsync(AliasPath(name)));
        Assert.Equal(room, resolved["room_id"]!.GetValue<string>());
        Assert.Equal([server.ServerName.Value], resolved["servers"]!.AsArray().Select(s => s!.GetValue<string>()));
        await MatrixAssert.ErrorAsync(await alice.PutAsync(AliasPath(name), new { room_id = room }), 409, "M_UNKNOWN");

        var list = await MatrixAssert.OkAsync(await bob.RoomGetAsync(room, "aliases"));
        Assert.Equal([name, $"#main:{server.ServerName}"], list["aliases"]!.AsArray().Select(a => a!.GetValue<string>()).Order(StringComparer.Ordinal));
        await MatrixAssert.ErrorAsync(await eve.RoomGetAsync(room, "aliases"), 403, "M_FORBIDDEN");

        // Errors: invalid alias, other server, unknown room, non-member, missing room_id.
        await MatrixAssert.ErrorAsync(await alice.PutAsync(AliasPath("nohash"), new { room_id = room }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(AliasPath("#x:other.example"), new { room_id = room }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(AliasPath($"#x:{server.ServerName}"), new { room_id = $"!nope:{server.ServerName}" }), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await eve.PutAsync(AliasPath($"#eve:{server.ServerName}"), new { room_id = room }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(AliasPath($"#x:{server.ServerName}"), new { }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(AliasPath($"#missing:{server.ServerName}")), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(AliasPath("bad")), 400, "M_INVALID_PARAM");

        // Eve may not delete Bob's alias; Bob (its creator) may; Alice (room admin) may delete the canonical one,
        // which also drops it from m.room.canonical_alias.
        await MatrixAssert.ErrorAsync(await eve.DeleteAsync(AliasPath(name)), 403, "M_FORBIDDEN");
        await MatrixAssert.OkAsync(await bob.DeleteAsync(AliasPath(name)));
        await MatrixAssert.ErrorAsync(await bob.DeleteAsync(AliasPath(name)), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await bob.DeleteAsync(AliasPath($"#main:{server.ServerName}")), 403, "M_FORBIDDEN");
        await MatrixAssert.OkAsync(await alice.DeleteAsync(AliasPath($"#main:{server.ServerName}")));
        var canonical = await MatrixAssert.OkAsync(await alice.RoomGetAsync(room, "state/m.room.canonical_alias"));
        Assert.Null(canonical["alias"]);
        Assert.Empty((await MatrixAssert.OkAsync(await alice.RoomGetAsync(room, "aliases")))["aliases"]!.AsArray());
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Public_rooms_are_published_searched_and_paginated(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        string big = await alice.CreateRoomAsync(new { visibility = "public", name = "Big room", topic = "Lots of people", room_alias_name = "big" });
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(big, "join"));
        string cats = await alice.CreateRoomAsync(new { visibility = "public", name = "Cat pictures" });
        string space = await alice.CreateRoomAsync(new { visibility = "public", name = "A space", creation_content = new Dictionary<string, object> { ["type"] = "m.space" } });
        string hidden = await alice.CreateRoomAsync(new { preset = "public_chat", name = "Hidden" });

        // Visibility: hidden → published by its admin; not by a non-admin; unknown rooms 404.
        var visibilityPath = $"/_matrix/client/v3/directory/list/room/{Uri.EscapeDataString(hidden)}";
        Assert.Equal("private", (await MatrixAssert.OkAsync(await server.Http.GetAsync(visibilityPath)))["visibility"]!.GetValue<string>());
        await MatrixAssert.ErrorAsync(await bob.PutAsync(visibilityPath, new { visibility = "public" }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(visibilityPath, new { visibility = "open" }), 400, "M_INVALID_PARAM");
        await MatrixAssert.OkAsync(await alice.PutAsync(visibilityPath, new { visibility = "public" }));
        Assert.Equal("public", (await MatrixAssert.OkAsync(await server.Http.GetAsync(visibilityPath)))["visibility"]!.GetValue<string>());
        await MatrixAssert.OkAsync(await alice.PutAsync(visibilityPath, new { visibility = "private" }));
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync($"/_matrix/client/v3/directory/list/room/{Uri.EscapeDataString($"!nope:{server.ServerName}")}"), 404, "M_NOT_FOUND");

        // The list: most members first, summaries with the spec's fields.
        var all = await MatrixAssert.OkAsync(await server.Http.GetAsync("/_matrix/client/v3/publicRooms"));
        var chunk = all["chunk"]!.AsArray().Select(r => r!.AsObject()).ToArray();
        Assert.Equal(3, chunk.Length);
        Assert.Equal(3, all["total_room_count_estimate"]!.GetValue<int>());
        var first = chunk[0];
        Assert.Equal(big, first["room_id"]!.GetValue<string>());
        Assert.Equal(2, first["num_joined_members"]!.GetValue<int>());
        Assert.Equal("Big room", first["name"]!.GetValue<string>());
        Assert.Equal("Lots of people", first["topic"]!.GetValue<string>());
        Assert.Equal($"#big:{server.ServerName}", first["canonical_alias"]!.GetValue<string>());
        Assert.Equal("public", first["join_rule"]!.GetValue<string>());
        Assert.False(first["world_readable"]!.GetValue<bool>());
        Assert.False(first["guest_can_join"]!.GetValue<bool>());
        Assert.Equal("m.space", chunk.Single(r => r["room_id"]!.GetValue<string>() == space)["room_type"]!.GetValue<string>());
        Assert.Null(all["next_batch"]);

        // Pagination forwards and back.
        var page1 = await MatrixAssert.OkAsync(await server.Http.GetAsync("/_matrix/client/v3/publicRooms?limit=2"));
        Assert.Equal(2, page1["chunk"]!.AsArray().Count);
        Assert.Null(page1["prev_batch"]);
        string next = page1["next_batch"]!.GetValue<string>();
        var page2 = await MatrixAssert.OkAsync(await server.Http.GetAsync($"/_matrix/client/v3/publicRooms?limit=2&since={next}"));
        Assert.Single(page2["chunk"]!.AsArray());
        Assert.Null(page2["next_batch"]);
        var back = await MatrixAssert.OkAsync(await server.Http.GetAsync($"/_matrix/client/v3/publicRooms?limit=2&since={page2["prev_batch"]!.GetValue<string>()}"));
        Assert.Equal(page1["chunk"]!.ToJsonString(), back["chunk"]!.ToJsonString());
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync("/_matrix/client/v3/publicRooms?limit=x"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync("/_matrix/client/v3/publicRooms?since=zzz"), 400, "M_INVALID_PARAM");
        Assert.Equal(3, (await MatrixAssert.OkAsync(await server.Http.GetAsync($"/_matrix/client/v3/publicRooms?server={server.ServerName}")))["chunk"]!.AsArray().Count);
        // Another server's directory is asked over federation; one that cannot be reached is a bad gateway (as in Synapse).
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync("/_matrix/client/v3/publicRooms?server=remote.invalid"), 502, "M_UNKNOWN");

        // POST: search term over name/topic/alias, room types.
        async Task<string[]> Search(object body)
        {
            var result = await MatrixAssert.OkAsync(await alice.PostAsync("/_matrix/client/v3/publicRooms", body));
            return [.. result["chunk"]!.AsArray().Select(r => r!["room_id"]!.GetValue<string>())];
        }
        Assert.Equal([cats], await Search(new { filter = new { generic_search_term = "CAT" } }));
        Assert.Equal([big], await Search(new { filter = new { generic_search_term = "people" } }));
        Assert.Equal([big], await Search(new { filter = new { generic_search_term = "#big" } }));
        Assert.Equal([space], await Search(new { filter = new { room_types = new[] { "m.space" } } }));
        Assert.Equal(2, (await Search(new { filter = new { room_types = new string?[] { null } } })).Length);
        Assert.Single(await Search(new { limit = 1 }));
        await MatrixAssert.ErrorAsync(await alice.PostAsync("/_matrix/client/v3/publicRooms", new { limit = "ten" }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PostAsync("/_matrix/client/v3/publicRooms", new { filter = new { room_types = new[] { 1 } } }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await server.Http.PostJsonAsync("/_matrix/client/v3/publicRooms", new { }), 401, "M_MISSING_TOKEN");
        Assert.DoesNotContain(hidden, await Search(new { }));
    }
}
