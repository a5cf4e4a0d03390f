using System.Text.Json.Nodes;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.Federation.Membership.FederationMembershipClient;

namespace Myelin.Server.Tests.Federation.Membership;

/// <summary>
/// Knocking on another server's room (make_knock / send_knock, withdrawn through make_leave / send_leave, accepted by
/// an invite) and joining its restricted rooms (the resident vouches with join_authorised_via_users_server).
/// spec: server-server "Knocking upon a room", "Restricted rooms".
/// </summary>
public sealed class RemoteKnockAndRestrictedJoinTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Knock_over_federation_can_be_withdrawn_and_accepted(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        var alice = await a.Server.CreateUserAsync("alice");
        var bob = await b.Server.CreateUserAsync("bob", "Bob");
        string room = await alice.CreateRoomAsync(new
        {
            preset = "private_chat",
            name = "Knock knock",
            room_alias_name = "door",
            initial_state = new[] { new { type = "m.room.join_rules", state_key = "", content = new { join_rule = "knock" } } },
        });

        var knocked = await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/knock/{Escape($"#door:{a.ServerName}")}", new { reason = "let me in" }));
        Assert.Equal(room, Text(knocked["room_id"]));
        Assert.Equal("knock", await alice.MembershipAsync(room, bob));
        // The knocker sees the room's stripped state (knock_room_state) and their knock in /sync.
        var sync = await bob.WaitForSyncAsync(s => KnockedRoom(s, room) is not null);
        var knockState = KnockedRoom(sync, room)!["knock_state"]!["events"]!.AsArray();
        Assert.Contains(knockState, e => Text(e!["type"]) == "m.room.name" && Text(e["content"]!["name"]) == "Knock knock");
        Assert.Contains(knockState, e => Text(e!["type"]) == "m.room.join_rules" && Text(e["content"]!["join_rule"]) == "knock");
        Assert.Contains(knockState, e => Text(e!["type"]) == "m.room.member" && Text(e["content"]!["membership"]) == "knock");

        // Withdrawing the knock goes through the resident server; knocking again works.
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "leave"));
        Assert.Equal("leave", await alice.MembershipAsync(room, bob));
        await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/knock/{Escape(room)}?via={Escape(a.ServerName.Value)}", new { }));
        Assert.Equal("knock", await alice.MembershipAsync(room, bob));

        // Accepting the knock is an invite; Bob then joins.
        await MatrixAssert.OkAsync(await alice.RoomPostAsync(room, "invite", new { user_id = bob.UserId.Value }));
        await bob.WaitForSyncAsync(s => InvitedRoom(s, room) is not null);
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "join"));
        Assert.Equal("join", await alice.MembershipAsync(room, bob));

        // make_knock refuses rooms that do not allow knocking and users already in the room.
        string publicRoom = await alice.CreateRoomAsync(new { preset = "public_chat" });
        await MatrixAssert.ErrorAsync(await a.SignedAsync(b, HttpMethod.Get, $"/_matrix/federation/v1/make_knock/{Escape(publicRoom)}/{Escape($"@carol:{b.ServerName}")}?ver=12"),
            403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await a.SignedAsync(b, HttpMethod.Get, $"/_matrix/federation/v1/make_knock/{Escape(room)}/{Escape(bob.UserId.Value)}?ver=12"),
            403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await a.SignedAsync(b, HttpMethod.Get, $"/_matrix/federation/v1/make_knock/{Escape(room)}/{Escape($"@carol:{b.ServerName}")}?ver=6"),
            400, "M_INCOMPATIBLE_ROOM_VERSION");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Restricted_room_is_joined_through_a_resident_member_who_vouches(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        var alice = await a.Server.CreateUserAsync("alice");
        var bob = await b.Server.CreateUserAsync("bob");
        string space = await alice.CreateRoomAsync(new { preset = "public_chat" });
        string restricted = await alice.CreateRoomAsync(new
        {
            preset = "private_chat",
            initial_state = new[]
            {
                new { type = "m.room.join_rules", state_key = "", content = new JsonObject
                {
                    ["join_rule"] = "restricted",
                    ["allow"] = new JsonArray(new JsonObject { ["type"] = "m.room_membership", ["room_id"] = space }),
                } },
            },
        });
        string unknownCondition = await alice.CreateRoomAsync(new
        {
            preset = "private_chat",
            initial_state = new[]
            {
                new { type = "m.room.join_rules", state_key = "", content = new JsonObject
                {
                    ["join_rule"] = "restricted",
                    ["allow"] = new JsonArray(new JsonObject { ["type"] = "m.room_membership", ["room_id"] = "!elsewhere:unknown.example" }),
                } },
            },
        });
        string via = $"?via={Escape(a.ServerName.Value)}";

        // Not in the allowed room yet: refused; a condition the resident cannot check: M_UNABLE_TO_AUTHORISE_JOIN.
        await MatrixAssert.ErrorAsync(await bob.PostAsync($"/_matrix/client/v3/join/{Escape(restricted)}{via}", new { }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await a.SignedAsync(b, HttpMethod.Get, $"/_matrix/federation/v1/make_join/{Escape(unknownCondition)}/{Escape(bob.UserId.Value)}?ver=12"),
            400, "M_UNABLE_TO_AUTHORISE_JOIN");

        await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/join/{Escape(space)}{via}", new { }));
        var made = await MatrixAssert.OkAsync(await a.SignedAsync(b, HttpMethod.Get, $"/_matrix/federation/v1/make_join/{Escape(restricted)}/{Escape(bob.UserId.Value)}?ver=12"));
        Assert.Equal(alice.UserId.Value, Text(made["event"]!["content"]!["join_authorised_via_users_server"]));

        await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/join/{Escape(restricted)}{via}", new { }));
        Assert.Equal("join", await alice.MembershipAsync(restricted, bob));
        var member = await MatrixAssert.OkAsync(await bob.RoomGetAsync(restricted, $"state/m.room.member/{Escape(bob.UserId.Value)}"));
        Assert.Equal(alice.UserId.Value, Text(member["join_authorised_via_users_server"]));
    }
}
