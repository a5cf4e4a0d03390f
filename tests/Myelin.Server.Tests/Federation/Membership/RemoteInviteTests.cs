using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.ClientApi.Sync;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.Federation.Membership.FederationMembershipClient;

namespace Myelin.Server.Tests.Federation.Membership;

/// <summary>
/// Invites across servers: the invitee's server countersigns (<c>/invite</c> v2), the invite shows in the invitee's
/// /sync with the room's stripped state, and it can be accepted (remote join through the inviter's server) or rejected
/// (make_leave / send_leave). spec: server-server "Inviting to a room", "Leaving Rooms (Rejecting Invites)".
/// </summary>
public sealed class RemoteInviteTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Invite_to_a_remote_user_shows_in_their_sync_and_accepting_it_joins_the_room(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        var alice = await a.Server.CreateUserAsync("alice", "Alice");
        var bob = await b.Server.CreateUserAsync("bob", "Bob");
        string room = await alice.CreateRoomAsync(new { preset = "private_chat", name = "Secret plans" });

        await MatrixAssert.OkAsync(await alice.RoomPostAsync(room, "invite", new { user_id = bob.UserId.Value, reason = "join us" }));

        // The inviting server persisted the countersigned invite, signed by both servers.
        Assert.Equal("invite", await alice.MembershipAsync(room, bob));
        // The invitee sees it in /sync with the room's stripped state and the invite itself.
        var sync = await bob.WaitForSyncAsync(s => InvitedRoom(s, room) is not null);
        var inviteState = InvitedRoom(sync, room)!["invite_state"]!["events"]!.AsArray();
        Assert.Contains(inviteState, e => Text(e!["type"]) == "m.room.name" && Text(e["content"]!["name"]) == "Secret plans");
        Assert.Contains(inviteState, e => Text(e!["type"]) == "m.room.create");
        var invite = Assert.Single(inviteState, e => Text(e!["type"]) == "m.room.member" && Text(e["state_key"]) == bob.UserId.Value);
        Assert.Equal("invite", Text(invite!["content"]!["membership"]));
        Assert.Equal(alice.UserId.Value, Text(invite["sender"]));

        // Accepting: a join by room ID without via goes through the inviter's server.
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "join"));
        Assert.Equal("join", await alice.MembershipAsync(room, bob));
        Assert.Equal("join", await bob.MembershipAsync(room, bob));
        var after = await bob.SyncAsync();
        Assert.NotNull(SyncClient.JoinedRoom(after, RoomId.Parse(room)));
        Assert.Null(InvitedRoom(after, room));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Rejecting_a_remote_invite_goes_through_the_inviting_server(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        var alice = await a.Server.CreateUserAsync("alice", "Alice");
        var bob = await b.Server.CreateUserAsync("bob", "Bob");
        string room = await alice.CreateRoomAsync(new { preset = "private_chat" });
        await MatrixAssert.OkAsync(await alice.RoomPostAsync(room, "invite", new { user_id = bob.UserId.Value }));
        var invited = await bob.WaitForSyncAsync(s => InvitedRoom(s, room) is not null);

        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "leave", new { reason = "no thanks" }));

        // The resident server accepted the rejection (send_leave), and the invitee's /sync reports the room as left.
        Assert.Equal("leave", await alice.MembershipAsync(room, bob));
        var leave = await MatrixAssert.OkAsync(await alice.RoomGetAsync(room, $"state/m.room.member/{Escape(bob.UserId.Value)}"));
        Assert.Equal("no thanks", Text(leave["reason"]));
        var sync = await bob.SyncAsync(SyncClient.NextBatch(invited));
        Assert.NotNull(LeftRoom(sync, room));
        Assert.Null(InvitedRoom(await bob.SyncAsync(), room));
        // Bob never joined: he cannot read the room on his server.
        await MatrixAssert.ErrorAsync(await bob.RoomGetAsync(room, "state"), 403, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Invite_to_a_user_of_a_server_already_in_the_room_becomes_state_there_and_can_be_accepted()
    {
        await using var a = await FederatedHomeserver.StartAsync();
        await using var b = await FederatedHomeserver.StartAsync();
        var alice = await a.Server.CreateUserAsync("alice");
        var bob = await b.Server.CreateUserAsync("bob");
        var dave = await b.Server.CreateUserAsync("dave");
        string room = await alice.CreateRoomAsync(new { preset = "private_chat" });
        await MatrixAssert.OkAsync(await alice.RoomPostAsync(room, "invite", new { user_id = bob.UserId.Value }));
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "join"));

        // B is in the room now: Dave's invite reaches B's copy of the room through a transaction.
        await MatrixAssert.OkAsync(await alice.RoomPostAsync(room, "invite", new { user_id = dave.UserId.Value }));
        await dave.WaitForSyncAsync(s => InvitedRoom(s, room) is not null);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await bob.MembershipAsync(room, dave) != "invite")
        {
            Assert.True(DateTime.UtcNow < deadline, "the invite never became state on B");
            await Task.Delay(100);
        }
        // Accepting is a local join on B, which reaches A.
        await MatrixAssert.OkAsync(await dave.RoomPostAsync(room, "join"));
        while (await alice.MembershipAsync(room, dave) != "join")
        {
            Assert.True(DateTime.UtcNow < deadline.AddSeconds(15), "A never saw Dave's join");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Invite_endpoint_refuses_bad_invites()
    {
        await using var a = await FederatedHomeserver.StartAsync();
        await using var b = await FederatedHomeserver.StartAsync();
        var alice = await a.Server.CreateUserAsync("alice");
        var bob = await b.Server.CreateUserAsync("bob");
        string room = await alice.CreateRoomAsync(new { preset = "private_chat" });
        string path = $"/_matrix/federation/v2/invite/{Escape(room)}/{Escape("$x")}";

        // An unsupported room version; a body without the event; an event that is not an invite of a user of ours.
        var incompatible = await MatrixAssert.ErrorAsync(await b.SignedAsync(a, HttpMethod.Put, path, """{"room_version":"999","event":{}}"""), 400, "M_INCOMPATIBLE_ROOM_VERSION");
        Assert.Equal("999", Text(incompatible["room_version"]));
        await MatrixAssert.ErrorAsync(await b.SignedAsync(a, HttpMethod.Put, path, """{"room_version":"10"}"""), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await b.SignedAsync(a, HttpMethod.Put, path, """{"room_version":"10","event":{"type":"m.room.member"}}"""), 400, "M_BAD_JSON");
        // Alice's server refuses, through the client API, to invite a user of a server that does not exist.
        await MatrixAssert.ErrorAsync(await alice.RoomPostAsync(room, "invite", new { user_id = $"@ghost:{b.ServerName}" }), 403, "M_FORBIDDEN");
        var ghostMember = await alice.RoomGetAsync(room, $"state/m.room.member/{Escape($"@ghost:{b.ServerName}")}");
        await MatrixAssert.ErrorAsync(ghostMember, 404, "M_NOT_FOUND");
        Assert.Null(await alice.MembershipAsync(room, bob));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task CreateRoom_inviting_a_remote_user_to_a_direct_chat_sends_the_invite_over_federation(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        var alice = await a.Server.CreateUserAsync("alice", "Alice");
        var bob = await b.Server.CreateUserAsync("bob", "Bob");

        // spec: client-server "POST /createRoom" invite (any user ID), is_direct, trusted_private_chat.
        string room = await alice.CreateRoomAsync(new { preset = "trusted_private_chat", is_direct = true, invite = new[] { bob.UserId.Value } });

        Assert.Equal("invite", await alice.MembershipAsync(room, bob));
        var sync = await bob.WaitForSyncAsync(s => InvitedRoom(s, room) is not null);
        var invite = Assert.Single(InvitedRoom(sync, room)!["invite_state"]!["events"]!.AsArray(),
            e => Text(e!["type"]) == "m.room.member" && Text(e["state_key"]) == bob.UserId.Value);
        Assert.True(invite!["content"]!["is_direct"]!.GetValue<bool>());
        // Room version 12 (the default) makes trusted_private_chat invitees additional creators rather than giving them power 100.
        var create = await MatrixAssert.OkAsync(await alice.RoomGetAsync(room, "state/m.room.create/"));
        Assert.Contains(bob.UserId.Value, create["additional_creators"]!.AsArray().Select(u => Text(u)));

        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "join"));
        Assert.Equal("join", await alice.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task CreateRoom_inviting_a_user_of_an_unreachable_server_fails_but_a_missing_local_user_is_404()
    {
        await using var a = await FederatedHomeserver.StartAsync();
        var alice = await a.Server.CreateUserAsync("alice", "Alice");

        var unreachable = await alice.PostAsync("/_matrix/client/v3/createRoom", new { invite = new[] { "@bob:localhost:1" } });
        Assert.Equal(502, (int)unreachable.StatusCode);
        var missing = await alice.PostAsync("/_matrix/client/v3/createRoom", new { invite = new[] { $"@nobody:{a.ServerName}" } });
        await MatrixAssert.ErrorAsync(missing, 404, "M_NOT_FOUND");
    }
}
