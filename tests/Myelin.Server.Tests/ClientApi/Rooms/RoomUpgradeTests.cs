using System.Text.Json.Nodes;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Rooms;

public class RoomUpgradeTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Upgrade_creates_a_successor_moves_aliases_and_tombstones_the_old_room(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        string old = await alice.CreateRoomAsync(new
        {
            room_version = "10",
            visibility = "public",
            room_alias_name = "lobby",
            name = "Lobby",
            topic = "Chat",
            creation_content = new Dictionary<string, object> { ["type"] = "org.example.kind" },
        });
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(old, "join"));
        string upgradePath = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(old)}/upgrade";

        await MatrixAssert.ErrorAsync(await bob.PostAsync(upgradePath, new { new_version = "12" }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(upgradePath, new { new_version = "99" }), 400, "M_UNSUPPORTED_ROOM_VERSION");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(upgradePath, new { }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(upgradePath, new { new_version = "12", additional_creators = new[] { "bob" } }), 400, "M_INVALID_PARAM");

        var upgraded = await MatrixAssert.OkAsync(await alice.PostAsync(upgradePath, new { new_version = "12", additional_creators = new[] { bob.UserId.Value } }));
        string replacement = upgraded["replacement_room"]!.GetValue<string>();
        Assert.NotEqual(old, replacement);

        var create = await MatrixAssert.OkAsync(await alice.RoomGetAsync(replacement, "state/m.room.create"));
        Assert.Equal("12", create["room_version"]!.GetValue<string>());
        Assert.Equal(old, create["predecessor"]!["room_id"]!.GetValue<string>());
        Assert.Equal("org.example.kind", create["type"]!.GetValue<string>());
        Assert.Equal([bob.UserId.Value], create["additional_creators"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal("Lobby", (await MatrixAssert.OkAsync(await alice.RoomGetAsync(replacement, "state/m.room.name")))["name"]!.GetValue<string>());
        Assert.Equal("Chat", (await MatrixAssert.OkAsync(await alice.RoomGetAsync(replacement, "state/m.room.topic")))["topic"]!.GetValue<string>());
        Assert.Equal("public", (await MatrixAssert.OkAsync(await alice.RoomGetAsync(replacement, "state/m.room.join_rules")))["join_rule"]!.GetValue<string>());
        var pl = await MatrixAssert.OkAsync(await alice.RoomGetAsync(replacement, "state/m.room.power_levels"));
        Assert.Null(pl["users"]![alice.UserId.Value]);
        Assert.Equal($"#lobby:{server.ServerName}",
            (await MatrixAssert.OkAsync(await alice.RoomGetAsync(replacement, "state/m.room.canonical_alias")))["alias"]!.GetValue<string>());

        // The alias now points to the new room, which took the old one's place in the directory.
        var resolved = await MatrixAssert.OkAsync(await server.Http.GetAsync($"/_matrix/client/v3/directory/room/{Uri.EscapeDataString($"#lobby:{server.ServerName}")}"));
        Assert.Equal(replacement, resolved["room_id"]!.GetValue<string>());
        var listed = (await MatrixAssert.OkAsync(await server.Http.GetAsync("/_matrix/client/v3/publicRooms")))["chunk"]!.AsArray().Select(r => r!["room_id"]!.GetValue<string>()).ToArray();
        Assert.Equal([replacement], listed);

        // The old room: tombstone, and ordinary members may no longer talk or invite.
        var tombstone = await MatrixAssert.OkAsync(await bob.RoomGetAsync(old, "state/m.room.tombstone"));
        Assert.Equal(replacement, tombstone["replacement_room"]!.GetValue<string>());
        var oldPl = await MatrixAssert.OkAsync(await bob.RoomGetAsync(old, "state/m.room.power_levels"));
        Assert.Equal(50, oldPl["events_default"]!.GetValue<int>());
        Assert.Equal(50, oldPl["invite"]!.GetValue<int>());
        await MatrixAssert.ErrorAsync(await bob.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(old)}/send/m.room.message/t1", new { body = "hi" }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(upgradePath, new { new_version = "12" }), 400, "M_BAD_STATE");

        // Bob follows into the new room (public join rule copied).
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(replacement, "join"));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Upgrading_from_v12_keeps_the_creator_in_power(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.CreateUserAsync();
        string old = await alice.CreateRoomAsync(new { name = "New style" });
        var upgraded = await MatrixAssert.OkAsync(await alice.PostAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(old)}/upgrade", new { new_version = "11" }));
        string replacement = upgraded["replacement_room"]!.GetValue<string>();
        var pl = await MatrixAssert.OkAsync(await alice.RoomGetAsync(replacement, "state/m.room.power_levels"));
        Assert.Equal(150, pl["users"]![alice.UserId.Value]!.GetValue<int>());
        Assert.Equal("New style", (await MatrixAssert.OkAsync(await alice.RoomGetAsync(replacement, "state/m.room.name")))["name"]!.GetValue<string>());
        await alice.SetStateAsync(replacement, "m.room.topic", "", new { topic = "still in charge" });
    }
}
