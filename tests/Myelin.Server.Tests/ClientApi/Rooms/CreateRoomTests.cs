using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Identifiers;
using Myelin.Storage;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Rooms;

public class CreateRoomTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Public_chat_with_alias_name_topic_and_invite_sends_the_spec_state_in_order(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.CreateUserAsync(displayName: "Alice");
        var bob = await server.CreateUserAsync();
        string room = await alice.CreateRoomAsync(new
        {
            preset = "public_chat",
            room_alias_name = "pub",
            name = "The Pub",
            topic = "Happy hour",
            invite = new[] { bob.UserId.Value },
            is_direct = true,
        });
        Assert.StartsWith("!", room, StringComparison.Ordinal);

        var state = await alice.GetStateAsync(room);
        var byKey = state.Select(e => e!.AsObject()).ToDictionary(e => (e["type"]!.GetValue<string>(), e["state_key"]!.GetValue<string>()));
        var create = byKey[("m.room.create", "")];
        Assert.Equal("12", create["content"]!["room_version"]!.GetValue<string>());
        Assert.Null(create["content"]!["creator"]);
        Assert.Equal("public", byKey[("m.room.join_rules", "")]["content"]!["join_rule"]!.GetValue<string>());
        Assert.Equal("shared", byKey[("m.room.history_visibility", "")]["content"]!["history_visibility"]!.GetValue<string>());
        Assert.Equal("forbidden", byKey[("m.room.guest_access", "")]["content"]!["guest_access"]!.GetValue<string>());
        Assert.Equal($"#pub:{server.ServerName}", byKey[("m.room.canonical_alias", "")]["content"]!["alias"]!.GetValue<string>());
        Assert.Equal("The Pub", byKey[("m.room.name", "")]["content"]!["name"]!.GetValue<string>());
        Assert.Equal("Happy hour", byKey[("m.room.topic", "")]["content"]!["topic"]!.GetValue<string>());
        var aliceMember = byKey[("m.room.member", alice.UserId.Value)]["content"]!;
        Assert.Equal("join", aliceMember["membership"]!.GetValue<string>());
        Assert.Equal("Alice", aliceMember["displayname"]!.GetValue<string>());
        var bobMember = byKey[("m.room.member", bob.UserId.Value)]["content"]!;
        string bobMemberEvent(Dictionary<(string, string), JsonObject> events) => events[("m.room.member", bob.UserId.Value)]["event_id"]!.GetValue<string>();
        Assert.Equal("invite", bobMember["membership"]!.GetValue<string>());
        Assert.True(bobMember["is_direct"]!.GetValue<bool>());

        // v12: the creator has infinite power and is not listed; tombstone needs more than state_default.
        var pl = byKey[("m.room.power_levels", "")]["content"]!;
        Assert.Null(pl["users"]![alice.UserId.Value]);
        Assert.Equal(150, pl["events"]!["m.room.tombstone"]!.GetValue<int>());

        // Spec order: create, join, power levels, canonical alias, preset, name, topic, invite (depth increases).
        string[] order = ["m.room.create", "m.room.member", "m.room.power_levels", "m.room.canonical_alias", "m.room.join_rules",
            "m.room.history_visibility", "m.room.guest_access", "m.room.name", "m.room.topic"];
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        var depths = new List<long>();
        foreach (string type in order)
        {
            var e = byKey.First(kv => kv.Key.Item1 == type && (type != "m.room.member" || kv.Key.Item2 == alice.UserId.Value)).Value;
            depths.Add((await database.Events.GetEventAsync(EventId.Parse(e["event_id"]!.GetValue<string>())))!.Depth);
        }
        depths.Add((await database.Events.GetEventAsync(EventId.Parse(bobMemberEvent(byKey))))!.Depth);
        Assert.Equal(Enumerable.Range(1, order.Length + 1).Select(i => (long)i), depths);

        // The alias resolves to the room.
        var resolved = await MatrixAssert.OkAsync(await alice.GetAsync($"/_matrix/client/v3/directory/room/{Uri.EscapeDataString($"#pub:{server.ServerName}")}"));
        Assert.Equal(room, resolved["room_id"]!.GetValue<string>());

        // Bob accepts the invite; both are joined.
        var joined = await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/join/{Uri.EscapeDataString(room)}", new { }));
        Assert.Equal(room, joined["room_id"]!.GetValue<string>());
        var rooms = await MatrixAssert.OkAsync(await bob.GetAsync("/_matrix/client/v3/joined_rooms"));
        Assert.Contains(room, rooms["joined_rooms"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Trusted_private_chat_initial_state_and_overrides(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();

        // v12: trusted invitees become additional creators.
        string v12 = await alice.CreateRoomAsync(new { preset = "trusted_private_chat", invite = new[] { bob.UserId.Value } });
        var create = await MatrixAssert.OkAsync(await alice.RoomGetAsync(v12, "state/m.room.create/"));
        Assert.Equal([bob.UserId.Value], create["additional_creators"]!.AsArray().Select(x => x!.GetValue<string>()));

        // v11: they get the creator's power level 100 instead.
        string v11 = await alice.CreateRoomAsync(new
        {
            preset = "trusted_private_chat",
            room_version = "11",
            invite = new[] { bob.UserId.Value },
            initial_state = new object[]
            {
                new { type = "m.room.history_visibility", content = new { history_visibility = "joined" } },
                new { type = "org.example.custom", state_key = "k", content = new { x = 1 } },
            },
            power_level_content_override = new { events_default = 10 },
            creation_content = new { type = "m.space", creator = "@mallory:elsewhere" },
        });
        var pl = await MatrixAssert.OkAsync(await alice.RoomGetAsync(v11, "state/m.room.power_levels"));
        Assert.Equal(100, pl["users"]![alice.UserId.Value]!.GetValue<int>());
        Assert.Equal(100, pl["users"]![bob.UserId.Value]!.GetValue<int>());
        Assert.Equal(10, pl["events_default"]!.GetValue<int>());
        Assert.Equal(0, pl["invite"]!.GetValue<int>());
        var hv = await MatrixAssert.OkAsync(await alice.RoomGetAsync(v11, "state/m.room.history_visibility/"));
        Assert.Equal("joined", hv["history_visibility"]!.GetValue<string>());
        Assert.Equal("can_join", (await MatrixAssert.OkAsync(await alice.RoomGetAsync(v11, "state/m.room.guest_access")))["guest_access"]!.GetValue<string>());
        Assert.Equal(1, (await MatrixAssert.OkAsync(await alice.RoomGetAsync(v11, "state/org.example.custom/k")))["x"]!.GetValue<int>());
        var createV11 = await MatrixAssert.OkAsync(await alice.RoomGetAsync(v11, "state/m.room.create?format=event"));
        Assert.Equal("m.space", createV11["content"]!["type"]!.GetValue<string>());
        Assert.Null(createV11["content"]!["creator"]);
        Assert.Equal(alice.UserId.Value, createV11["sender"]!.GetValue<string>());

        // v10: the server writes content.creator itself.
        string v10 = await alice.CreateRoomAsync(new { room_version = "10", creation_content = new { creator = "@mallory:elsewhere" } });
        var createV10 = await MatrixAssert.OkAsync(await alice.RoomGetAsync(v10, "state/m.room.create"));
        Assert.Equal(alice.UserId.Value, createV10["creator"]!.GetValue<string>());
        Assert.Equal("invite", (await MatrixAssert.OkAsync(await alice.RoomGetAsync(v10, "state/m.room.join_rules")))["join_rule"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Invalid_requests_get_the_spec_errors(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.CreateUserAsync();
        const string path = "/_matrix/client/v3/createRoom";

        await MatrixAssert.ErrorAsync(await server.Http.PostJsonAsync(path, new { }), 401, "M_MISSING_TOKEN");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(path, "not json"), 400, "M_NOT_JSON");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(path, "[]"), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(path, new { room_version = "999" }), 400, "M_UNSUPPORTED_ROOM_VERSION");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(path, new { name = 5 }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(path, new { preset = "party" }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(path, new { visibility = "secret" }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(path, new { invite = new[] { "bob" } }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(path, new { initial_state = new[] { new { type = "x" } } }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(path, new { room_alias_name = "has space" }), 400, "M_INVALID_PARAM");

        await alice.CreateRoomAsync(new { room_alias_name = "taken" });
        await MatrixAssert.ErrorAsync(await alice.PostAsync(path, new { room_alias_name = "taken" }), 400, "M_ROOM_IN_USE");

        // v12 creators cannot be listed in power levels.
        await MatrixAssert.ErrorAsync(await alice.PostAsync(path, new
        {
            power_level_content_override = new { users = new Dictionary<string, int> { [alice.UserId.Value] = 100 } },
        }), 400, "M_INVALID_ROOM_STATE");
        // State the creator may not send (in v11 the creator has 100; a level-200 event type is refused).
        await MatrixAssert.ErrorAsync(await alice.PostAsync(path, new
        {
            room_version = "11",
            power_level_content_override = new { events = new Dictionary<string, int> { ["m.room.name"] = 200 } },
            name = "x",
        }), 400, "M_INVALID_ROOM_STATE");
    }

    [Fact]
    public async Task Public_visibility_publishes_the_room_in_the_directory()
    {
        await using var server = await TestHomeserver.StartAsync();
        var alice = await server.CreateUserAsync();
        string published = await alice.CreateRoomAsync(new { visibility = "public", name = "Listed" });
        string hidden = await alice.CreateRoomAsync(new { preset = "public_chat" });
        var visibility = await MatrixAssert.OkAsync(await alice.GetAsync($"/_matrix/client/v3/directory/list/room/{Uri.EscapeDataString(published)}"));
        Assert.Equal("public", visibility["visibility"]!.GetValue<string>());
        var rooms = await MatrixAssert.OkAsync(await alice.GetAsync("/_matrix/client/v3/publicRooms"));
        var ids = rooms["chunk"]!.AsArray().Select(r => r!["room_id"]!.GetValue<string>()).ToArray();
        Assert.Contains(published, ids);
        Assert.DoesNotContain(hidden, ids);
    }
}
