using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.ClientApi.Timeline;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Spaces;

public class RoomSummaryTests
{
    private static string Summary(string roomIdOrAlias, string query = "") =>
        $"/_matrix/client/v1/room_summary/{Uri.EscapeDataString(roomIdOrAlias)}{(query.Length > 0 ? "?" + query : "")}";

    private static async Task<JsonObject> AnonymousOkAsync(TestHomeserver server, string path) => await MatrixAssert.OkAsync(await server.Http.GetAsync(path));

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Summarises_rooms_the_requester_may_preview(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var bob = await kit.UserAsync("bob");
        var room = await kit.RoomAsync(alice);
        await kit.JoinAsync(room, bob);
        await kit.StateAsync(room, alice, "m.room.name", "", new { name = "Cheese" });
        await kit.StateAsync(room, alice, "m.room.topic", "", new { topic = "Tasty" });
        await kit.StateAsync(room, alice, "m.room.encryption", "", new { algorithm = "m.megolm.v1.aes-sha2" });
        var alias = RoomAlias.Parse($"#cheese:{server.ServerName}");
        await kit.Database.RoomAliases.CreateAsync(alias, room, alice.UserId, 0);

        var body = await MatrixAssert.OkAsync(await alice.GetAsync(Summary(room.Value)));
        Assert.Equal(room.Value, body["room_id"]!.GetValue<string>());
        Assert.Equal("Cheese", body["name"]!.GetValue<string>());
        Assert.Equal("Tasty", body["topic"]!.GetValue<string>());
        Assert.Equal(2, body["num_joined_members"]!.GetValue<int>());
        Assert.Equal("public", body["join_rule"]!.GetValue<string>());
        Assert.False(body["world_readable"]!.GetValue<bool>());
        Assert.False(body["guest_can_join"]!.GetValue<bool>());
        Assert.Equal("m.megolm.v1.aes-sha2", body["encryption"]!.GetValue<string>());
        Assert.Equal("12", body["room_version"]!.GetValue<string>());
        Assert.Equal("join", body["membership"]!.GetValue<string>());

        // By alias, and with via servers (not needed for a local room).
        var byAlias = await MatrixAssert.OkAsync(await alice.GetAsync(Summary(alias.Value, "via=example.org&via=elsewhere.ca")));
        Assert.Equal(room.Value, byAlias["room_id"]!.GetValue<string>());

        // A public room: a non-member sees it with membership leave; anonymous callers without membership.
        var carol = await kit.UserAsync("carol");
        Assert.Equal("leave", (await MatrixAssert.OkAsync(await carol.GetAsync(Summary(room.Value))))["membership"]!.GetValue<string>());
        var anonymous = await AnonymousOkAsync(server, Summary(alias.Value));
        Assert.Equal("Cheese", anonymous["name"]!.GetValue<string>());
        Assert.False(anonymous.ContainsKey("membership"));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Private_rooms_are_not_found_for_outsiders(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var bob = await kit.UserAsync("bob");
        var carol = await kit.UserAsync("carol");
        var secret = await kit.RoomAsync(alice, joinRule: "invite");
        await kit.InviteAsync(secret, alice, carol);

        await MatrixAssert.ErrorAsync(await bob.GetAsync(Summary(secret.Value)), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(Summary(secret.Value)), 404, "M_NOT_FOUND");
        Assert.Equal("invite", (await MatrixAssert.OkAsync(await carol.GetAsync(Summary(secret.Value))))["membership"]!.GetValue<string>());

        // Banned users lose the preview.
        await kit.JoinAsync(secret, carol);
        await kit.StateAsync(secret, alice, "m.room.member", carol.UserId.Value, new { membership = "ban" });
        await MatrixAssert.ErrorAsync(await carol.GetAsync(Summary(secret.Value)), 404, "M_NOT_FOUND");

        // Invite-only but world-readable: anyone may preview it, even without a token.
        var readable = await kit.RoomAsync(alice, historyVisibility: "world_readable", joinRule: "invite");
        Assert.True((await AnonymousOkAsync(server, Summary(readable.Value)))["world_readable"]!.GetValue<bool>());
        Assert.Equal("leave", (await MatrixAssert.OkAsync(await bob.GetAsync(Summary(readable.Value))))["membership"]!.GetValue<string>());

        // Restricted rooms: members of an allowed room may preview (and see the allowed rooms); others and anonymous callers may not.
        var allowedRoom = await kit.RoomAsync(alice);
        await kit.JoinAsync(allowedRoom, bob);
        var restricted = await kit.RoomAsync(alice);
        await kit.StateAsync(restricted, alice, "m.room.join_rules", "", new
        {
            join_rule = "restricted",
            allow = new[] { new { type = "m.room_membership", room_id = allowedRoom.Value } },
        });
        var restrictedSummary = await MatrixAssert.OkAsync(await bob.GetAsync(Summary(restricted.Value)));
        Assert.Equal("restricted", restrictedSummary["join_rule"]!.GetValue<string>());
        Assert.Equal([allowedRoom.Value], restrictedSummary["allowed_room_ids"]!.AsArray().Select(r => r!.GetValue<string>()));
        var dave = await kit.UserAsync("dave");
        await MatrixAssert.ErrorAsync(await dave.GetAsync(Summary(restricted.Value)), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(Summary(restricted.Value)), 404, "M_NOT_FOUND");

        // Knockable rooms may be previewed without a token.
        var knock = await kit.RoomAsync(alice, joinRule: "knock");
        Assert.Equal("knock", (await AnonymousOkAsync(server, Summary(knock.Value)))["join_rule"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Bad_and_unknown_rooms(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var room = await kit.RoomAsync(alice);

        await MatrixAssert.ErrorAsync(await alice.GetAsync(Summary("!nowhere:localhost")), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(Summary("#nowhere:localhost")), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(Summary("#nowhere:localhost")), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(Summary("cheese")), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(Summary("#no-server")), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(Summary(room.Value, "via=not%20a%20server")), 400, "M_INVALID_PARAM");

        // An optional token that is sent must still be valid.
        var request = new HttpRequestMessage(HttpMethod.Get, Summary(room.Value));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        await MatrixAssert.ErrorAsync(await server.Http.SendAsync(request), 401, "M_UNKNOWN_TOKEN");
    }
}
