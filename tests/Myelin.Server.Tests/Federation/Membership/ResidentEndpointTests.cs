using System.Text;
using System.Text.Json.Nodes;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.Federation.Membership.FederationMembershipClient;

namespace Myelin.Server.Tests.Federation.Membership;

/// <summary>
/// The resident side's answers to requests a remote server makes by hand: make_join refusals, forged send_join
/// events, the legacy v1 shapes, ACLs and bans. spec: server-server "Joining Rooms"; joins-v1/v2.yaml.
/// </summary>
public sealed class ResidentEndpointTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Make_join_refuses_unsupported_versions_foreign_users_private_and_unknown_rooms(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        var alice = await a.Server.CreateUserAsync("alice");
        string publicRoom = await alice.CreateRoomAsync(new { preset = "public_chat", room_version = "10" });
        string privateRoom = await alice.CreateRoomAsync(new { preset = "private_chat" });
        string bob = $"@bob:{b.ServerName}";

        // Without ver the joining server is assumed to support only room version 1.
        var noVer = await MatrixAssert.ErrorAsync(await a.SignedAsync(b, HttpMethod.Get, $"/_matrix/federation/v1/make_join/{Escape(publicRoom)}/{Escape(bob)}"),
            400, "M_INCOMPATIBLE_ROOM_VERSION");
        Assert.Equal("10", Text(noVer["room_version"]));
        await MatrixAssert.ErrorAsync(await a.SignedAsync(b, HttpMethod.Get, $"/_matrix/federation/v1/make_join/{Escape(publicRoom)}/{Escape(bob)}?ver=1&ver=9"),
            400, "M_INCOMPATIBLE_ROOM_VERSION");
        // The user must belong to the requesting server.
        await MatrixAssert.ErrorAsync(await a.SignedAsync(b, HttpMethod.Get, $"/_matrix/federation/v1/make_join/{Escape(publicRoom)}/{Escape($"@mallory:{a.ServerName}")}?ver=10"),
            403, "M_FORBIDDEN");
        // An invite-only room without an invite.
        await MatrixAssert.ErrorAsync(await a.SignedAsync(b, HttpMethod.Get, $"/_matrix/federation/v1/make_join/{Escape(privateRoom)}/{Escape(bob)}?ver=12"),
            403, "M_FORBIDDEN");
        // A room the server does not have; malformed IDs.
        await MatrixAssert.ErrorAsync(await a.SignedAsync(b, HttpMethod.Get, $"/_matrix/federation/v1/make_join/{Escape($"!nope:{a.ServerName}")}/{Escape(bob)}?ver=10"),
            404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await a.SignedAsync(b, HttpMethod.Get, $"/_matrix/federation/v1/make_join/{Escape(publicRoom)}/not-a-user?ver=10"),
            400, "M_INVALID_PARAM");
        // Unauthenticated requests are refused before anything else.
        await MatrixAssert.ErrorAsync(await a.Http.GetAsync($"/_matrix/federation/v1/make_join/{Escape(publicRoom)}/{Escape(bob)}?ver=10"), 401, "M_UNAUTHORIZED");

        // The template: the spec's required fields, for the requested user, cited on the room's tip.
        var made = await MatrixAssert.OkAsync(await a.SignedAsync(b, HttpMethod.Get, $"/_matrix/federation/v1/make_join/{Escape(publicRoom)}/{Escape(bob)}?ver=10&ver=11"));
        Assert.Equal("10", Text(made["room_version"]));
        var template = made["event"]!.AsObject();
        Assert.Equal(bob, Text(template["sender"]));
        Assert.Equal(bob, Text(template["state_key"]));
        Assert.Equal("m.room.member", Text(template["type"]));
        Assert.Equal("join", Text(template["content"]!["membership"]));
        Assert.Equal(a.ServerName.Value, Text(template["origin"]));
        Assert.Equal(publicRoom, Text(template["room_id"]));
        Assert.NotEmpty(template["prev_events"]!.AsArray());
        Assert.NotEmpty(template["auth_events"]!.AsArray());
        Assert.False(template.ContainsKey("signatures"));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Send_join_rejects_forged_events_and_answers_the_legacy_v1_shape(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        var alice = await a.Server.CreateUserAsync("alice");
        string room = await alice.CreateRoomAsync(new { preset = "public_chat" });
        var bob = UserId.Parse($"@bob:{b.ServerName}");
        var made = await MatrixAssert.OkAsync(await a.SignedAsync(b, HttpMethod.Get,
            $"/_matrix/federation/v1/make_join/{Escape(room)}/{Escape(bob.Value)}?ver=12&ver=11&ver=10"));

        async Task<JsonObject> SendJoinAsync(Myelin.Protocol.Events.Pdu pdu, int status, string? errcode, string version = "v2")
        {
            var response = await a.SignedAsync(b, HttpMethod.Put, $"/_matrix/federation/{version}/send_join/{Escape(room)}/{Escape(pdu.EventId.Value)}",
                Encoding.UTF8.GetString(pdu.Json.Span));
            if (errcode is null)
            {
                string text = await response.Content.ReadAsStringAsync();
                Assert.True((int)response.StatusCode == status, text);
                return JsonNode.Parse(text) is JsonObject o ? o : new JsonObject { ["array"] = JsonNode.Parse(text) };
            }
            return await MatrixAssert.ErrorAsync(response, status, errcode);
        }

        // A join for a user of another server, signed by B.
        var otherUser = SignTemplate(JsonNode.Parse(made.ToJsonString())!.AsObject(), b.ServerName, b.SigningKey, t =>
        {
            t["sender"] = $"@carol:{a.ServerName}";
            t["state_key"] = $"@carol:{a.ServerName}";
        });
        await SendJoinAsync(otherUser, 400, "M_INVALID_PARAM");
        // A join signed with a key B never published.
        using var forgedKey = SigningKey.Generate("forged");
        var forged = SignTemplate(JsonNode.Parse(made.ToJsonString())!.AsObject(), b.ServerName, forgedKey);
        await SendJoinAsync(forged, 400, "M_INVALID_PARAM");
        // Not a join; a join for another room ID in the path.
        var leave = SignTemplate(JsonNode.Parse(made.ToJsonString())!.AsObject(), b.ServerName, b.SigningKey, t => t["content"] = new JsonObject { ["membership"] = "leave" });
        await SendJoinAsync(leave, 400, "M_INVALID_PARAM");
        var valid = SignTemplate(JsonNode.Parse(made.ToJsonString())!.AsObject(), b.ServerName, b.SigningKey);
        await MatrixAssert.ErrorAsync(await a.SignedAsync(b, HttpMethod.Put, $"/_matrix/federation/v2/send_join/{Escape(room)}/{Escape("$other")}",
            Encoding.UTF8.GetString(valid.Json.Span)), 400, "M_INVALID_PARAM");
        Assert.Null(await alice.MembershipAsync(room, new TestUser(a.Server, bob, "", "", "")));

        // The genuine join through v1: [200, {state, auth_chain}], and the room now has Bob.
        var v1 = await SendJoinAsync(valid, 200, null, "v1");
        var array = v1["array"]!.AsArray();
        Assert.Equal(200, array[0]!.GetValue<int>());
        var answer = array[1]!.AsObject();
        Assert.Contains(answer["state"]!.AsArray(), e => Text(e!["type"]) == "m.room.create");
        Assert.Contains(answer["state"]!.AsArray(), e => Text(e!["type"]) == "m.room.member" && Text(e["state_key"]) == alice.UserId.Value);
        Assert.DoesNotContain(answer["state"]!.AsArray(), e => Text(e!["type"]) == "m.room.member" && Text(e["state_key"]) == bob.Value);
        Assert.NotEmpty(answer["auth_chain"]!.AsArray());
        Assert.False(answer["members_omitted"]!.GetValue<bool>());
        Assert.Equal([a.ServerName.Value], answer["servers_in_room"]!.AsArray().Select(s => Text(s)));
        Assert.False(answer.ContainsKey("event"), "no event: the resident did not need to sign this join");
        Assert.Equal("join", (await MatrixAssert.OkAsync(await alice.RoomGetAsync(room, $"state/m.room.member/{Escape(bob.Value)}")))["membership"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Banned_remote_user_cannot_join_again_and_an_acl_shuts_out_a_server(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        var alice = await a.Server.CreateUserAsync("alice");
        var bob = await b.Server.CreateUserAsync("bob");
        string room = await alice.CreateRoomAsync(new { preset = "public_chat" });
        await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/join/{Escape(room)}?via={Escape(a.ServerName.Value)}", new { }));
        Assert.Equal("join", await alice.MembershipAsync(room, bob));

        await MatrixAssert.OkAsync(await alice.RoomPostAsync(room, "ban", new { user_id = bob.UserId.Value, reason = "spam" }));
        Assert.Equal("ban", await alice.MembershipAsync(room, bob));
        await MatrixAssert.ErrorAsync(await a.SignedAsync(b, HttpMethod.Get, $"/_matrix/federation/v1/make_join/{Escape(room)}/{Escape(bob.UserId.Value)}?ver=12"),
            403, "M_FORBIDDEN");

        // A server ACL denying B: every membership endpoint answers 403 to B, while another user of B would be welcome otherwise.
        string open = await alice.CreateRoomAsync(new { preset = "public_chat" });
        await alice.SetStateAsync(open, "m.room.server_acl", "", new { allow = new[] { "*" }, deny = new[] { b.ServerName.Host } });
        string carol = $"@carol:{b.ServerName}";
        foreach (string path in (string[])[$"make_join/{Escape(open)}/{Escape(carol)}?ver=12", $"make_leave/{Escape(open)}/{Escape(carol)}", $"make_knock/{Escape(open)}/{Escape(carol)}?ver=12"])
        {
            await MatrixAssert.ErrorAsync(await a.SignedAsync(b, HttpMethod.Get, $"/_matrix/federation/v1/{path}"), 403, "M_FORBIDDEN");
        }
        await MatrixAssert.ErrorAsync(await a.SignedAsync(b, HttpMethod.Put, $"/_matrix/federation/v2/send_join/{Escape(open)}/{Escape("$e")}", "{}"), 403, "M_FORBIDDEN");
        // The client sees the resident's refusal.
        await MatrixAssert.ErrorAsync(await bob.PostAsync($"/_matrix/client/v3/join/{Escape(open)}?via={Escape(a.ServerName.Value)}", new { }), 403, "M_FORBIDDEN");
    }
}
