using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.FederationApi;

/// <summary>
/// publicRooms, hierarchy and timestamp_to_event served to other servers, and our clients' questions about another
/// server's directory and spaces forwarded to it. spec: server-server "Published Room Directory", "Spaces",
/// "Retrieving events"; public_rooms.yaml, space_hierarchy.yaml, events.yaml.
/// </summary>
public abstract class RoomQueryEndpointTests
{
    private readonly ReadServersFixture _f;

    protected RoomQueryEndpointTests(ReadServersFixture fixture) => _f = fixture;

    private static string E(string value) => Uri.EscapeDataString(value);
    private static string E(RoomId value) => Uri.EscapeDataString(value.Value);

    private async Task<RoomId> CreateAsync(JsonObject request)
    {
        var created = await MatrixAssert.OkAsync(await _f.Alice.PostAsync("/_matrix/client/v3/createRoom", request));
        return RoomId.Parse(created["room_id"]!.GetValue<string>());
    }

    private static IEnumerable<string> RoomIds(JsonNode? chunk) => chunk!.AsArray().Select(r => r!["room_id"]!.GetValue<string>());

    [Fact]
    public async Task Public_rooms_are_listed_and_searched_for_other_servers_and_forwarded_for_our_clients()
    {
        string marker = Guid.NewGuid().ToString("N")[..10];
        var first = await CreateAsync(new JsonObject { ["preset"] = "public_chat", ["visibility"] = "public", ["name"] = $"Lobby {marker}" });
        var second = await CreateAsync(new JsonObject { ["preset"] = "public_chat", ["visibility"] = "public", ["name"] = $"Garden {marker}" });

        var all = await MatrixAssert.OkAsync(await _f.AsOutsiderAsync(HttpMethod.Get, "/_matrix/federation/v1/publicRooms"));
        Assert.Contains(first.Value, RoomIds(all["chunk"]));
        Assert.Contains(second.Value, RoomIds(all["chunk"]));
        var entry = all["chunk"]!.AsArray().Single(r => r!["room_id"]!.GetValue<string>() == first.Value)!;
        Assert.Equal($"Lobby {marker}", entry["name"]!.GetValue<string>());
        Assert.Equal(1, entry["num_joined_members"]!.GetValue<int>());

        // Paging with limit and since.
        var page1 = await MatrixAssert.OkAsync(await _f.AsOutsiderAsync(HttpMethod.Get, "/_matrix/federation/v1/publicRooms?limit=1"));
        Assert.Single(page1["chunk"]!.AsArray());
        string next = page1["next_batch"]!.GetValue<string>();
        var page2 = await MatrixAssert.OkAsync(await _f.AsOutsiderAsync(HttpMethod.Get, $"/_matrix/federation/v1/publicRooms?limit=1&since={E(next)}"));
        Assert.NotEqual(RoomIds(page1["chunk"]).Single(), RoomIds(page2["chunk"]).Single());

        var search = await MatrixAssert.OkAsync(await _f.AsOutsiderAsync(HttpMethod.Post, "/_matrix/federation/v1/publicRooms",
            new JsonObject { ["filter"] = new JsonObject { ["generic_search_term"] = $"garden {marker}" } }.ToJsonString()));
        Assert.Equal([second.Value], RoomIds(search["chunk"]));
        // A third-party network we do not bridge lists nothing; with include_all_networks it is all of ours.
        var network = await MatrixAssert.OkAsync(await _f.AsOutsiderAsync(HttpMethod.Get, "/_matrix/federation/v1/publicRooms?third_party_instance_id=irc"));
        Assert.Empty(network["chunk"]!.AsArray());
        await MatrixAssert.ErrorAsync(await _f.AsOutsiderAsync(HttpMethod.Get, "/_matrix/federation/v1/publicRooms?limit=x"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await _f.AsOutsiderAsync(HttpMethod.Post, "/_matrix/federation/v1/publicRooms", """{"limit":"1"}"""), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await _f.Local.Http.GetAsync("/_matrix/federation/v1/publicRooms"), 401, "M_UNAUTHORIZED");

        // A client of another server asks its own server, which asks us.
        var remoteUser = await _f.Member.Server.RegisterAsync();
        var forwarded = await MatrixAssert.OkAsync(await remoteUser.GetAsync($"/_matrix/client/v3/publicRooms?server={E(_f.Local.ServerName.Value)}"));
        Assert.Contains(first.Value, RoomIds(forwarded["chunk"]));
        var forwardedSearch = await MatrixAssert.OkAsync(await remoteUser.PostAsync($"/_matrix/client/v3/publicRooms?server={E(_f.Local.ServerName.Value)}",
            new JsonObject { ["filter"] = new JsonObject { ["generic_search_term"] = $"lobby {marker}" } }));
        Assert.Equal([first.Value], RoomIds(forwardedSearch["chunk"]));
        // The remote's own errors come back (a since token it did not issue).
        await MatrixAssert.ErrorAsync(await remoteUser.GetAsync($"/_matrix/client/v3/publicRooms?server={E(_f.Local.ServerName.Value)}&since=bogus"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await remoteUser.GetAsync("/_matrix/client/v3/publicRooms?server=not%20a%20server"), 400, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Hierarchy_lists_accessible_children_and_names_inaccessible_ones()
    {
        var space = await CreateAsync(new JsonObject
        {
            ["preset"] = "private_chat",
            ["creation_content"] = new JsonObject { ["type"] = "m.space" },
            ["name"] = "Space",
        });
        var open = await CreateAsync(new JsonObject { ["preset"] = "public_chat", ["name"] = "Open" });
        var closed = await CreateAsync(new JsonObject { ["preset"] = "private_chat", ["name"] = "Closed" });
        string unknown = $"!unknown{Guid.NewGuid():N}:elsewhere.example";
        string via = _f.Local.ServerName.Value;
        foreach (var (child, isSuggested) in new[] { (open.Value, true), (closed.Value, false), (unknown, false) })
        {
            await MatrixAssert.OkAsync(await _f.Alice.PutAsync($"/_matrix/client/v3/rooms/{E(space)}/state/m.space.child/{E(child)}",
                new JsonObject { ["via"] = new JsonArray(via), ["suggested"] = isSuggested }));
        }
        // A child whose via holds a non-string is no valid child (Synapse would refuse the whole answer over it).
        await MatrixAssert.OkAsync(await _f.Alice.PutAsync($"/_matrix/client/v3/rooms/{E(space)}/state/m.space.child/{E(open.Value.Replace("!", "!x", StringComparison.Ordinal))}",
            new JsonObject { ["via"] = new JsonArray(via, 1) }));

        // The space is private: only a server with a member (or invite) may see it.
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/hierarchy/{E(space)}"), 404, "M_NOT_FOUND");
        // (Persisted directly: inviting remote users is the membership work's, not this test's.)
        string carolId = UserId.Create("carol", _f.Member.ServerName).Value;
        await RemoteRoomEvents.PersistAsync(_f.Local, space, _f.Alice.UserId, _f.Local.SigningKey, "m.room.member", carolId, new { membership = "invite" });

        var body = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/hierarchy/{E(space)}"));
        Assert.Equal(space.Value, body["room"]!["room_id"]!.GetValue<string>());
        Assert.Equal("m.space", body["room"]!["room_type"]!.GetValue<string>());
        Assert.Equal(3, body["room"]!["children_state"]!.AsArray().Count);
        Assert.Equal([open.Value], RoomIds(body["children"]));
        Assert.Equal("Open", body["children"]![0]!["name"]!.GetValue<string>());
        Assert.Equal([closed.Value], body["inaccessible_children"]!.AsArray().Select(n => n!.GetValue<string>()));

        var suggested = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/hierarchy/{E(space)}?suggested_only=true"));
        Assert.Single(suggested["room"]!["children_state"]!.AsArray());
        Assert.Empty(suggested["inaccessible_children"]!.AsArray());

        await MatrixAssert.ErrorAsync(await _f.AsOutsiderAsync(HttpMethod.Get, $"/_matrix/federation/v1/hierarchy/{E(space)}"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/hierarchy/{E(unknown)}"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/hierarchy/{E(space)}?suggested_only=maybe"), 400, "M_INVALID_PARAM");

        // A client of the invited server asks its own server, which is not in the space: answered over federation.
        var carol = await _f.Member.Server.RegisterAsync();
        var remote = await MatrixAssert.OkAsync(await carol.GetAsync($"/_matrix/client/v1/rooms/{E(space)}/hierarchy?via={E(via)}"));
        Assert.Equal([space.Value, open.Value], RoomIds(remote["rooms"]));
        Assert.Equal(3, remote["rooms"]![0]!["children_state"]!.AsArray().Count);
        var firstOnly = await MatrixAssert.OkAsync(await carol.GetAsync($"/_matrix/client/v1/rooms/{E(space)}/hierarchy?via={E(via)}&limit=1"));
        Assert.Equal([space.Value], RoomIds(firstOnly["rooms"]));
        Assert.NotNull(firstOnly["next_batch"]);
        // Asked of a server that does not let ours in: its 404 is passed on.
        var outsiderUser = await _f.Outsider.Server.RegisterAsync();
        await MatrixAssert.ErrorAsync(await outsiderUser.GetAsync($"/_matrix/client/v1/rooms/{E(space)}/hierarchy?via={E(via)}"), 404, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Timestamp_to_event_finds_the_closest_event_for_a_server_in_the_room()
    {
        var room = await _f.CreateRoomAsync();
        await _f.JoinMemberAsync(room);
        var message = await _f.SendMessageAsync(room, "now");
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000;
        string path = $"/_matrix/federation/v1/timestamp_to_event/{E(room)}";

        var found = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"{path}?ts={now}&dir=b"));
        Assert.Equal(message.Value, found["event_id"]!.GetValue<string>());
        Assert.True(found["origin_server_ts"]!.GetValue<long>() <= now);
        var create = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"{path}?ts=0&dir=f"));
        Assert.NotEqual(message.Value, create["event_id"]!.GetValue<string>());

        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"{path}?ts=0&dir=b"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"{path}?ts={now}&dir=f"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await _f.AsOutsiderAsync(HttpMethod.Get, $"{path}?ts={now}&dir=b"), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"{path}?ts={now}"), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"{path}?ts={now}&dir=x"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"{path}?dir=b"), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"{path}?ts=soon&dir=b"), 400, "M_INVALID_PARAM");
    }
}

public sealed class RoomQueryEndpointTests_Sqlite(ReadServersFixture.Sqlite fixture) : RoomQueryEndpointTests(fixture), IClassFixture<ReadServersFixture.Sqlite>;

public sealed class RoomQueryEndpointTests_Postgres(ReadServersFixture.Postgres fixture) : RoomQueryEndpointTests(fixture), IClassFixture<ReadServersFixture.Postgres>;
