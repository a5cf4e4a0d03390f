using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.ClientApi.Sync;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation.Membership;

/// <summary>
/// Users of one real server joining, leaving and being banned from rooms of another, over real federation
/// (make_join / send_join between two hosts on loopback). spec: server-server "Joining Rooms".
/// </summary>
public sealed class RemoteJoinTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task User_joins_another_servers_public_room_by_alias_and_both_servers_see_the_membership(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        var alice = await a.Server.CreateUserAsync("alice", "Alice");
        var bob = await b.Server.CreateUserAsync("bob", "Bob");
        string room = await alice.CreateRoomAsync(new { preset = "public_chat", room_alias_name = "lobby", name = "Lobby" });

        var joined = await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/join/{Uri.EscapeDataString($"#lobby:{a.ServerName}")}", new { }));
        Assert.Equal(room, joined["room_id"]!.GetValue<string>());

        // The resident server persisted the join: Alice sees Bob joined, with his profile.
        Assert.Equal("join", await alice.MembershipAsync(room, bob));
        var bobOnA = await MatrixAssert.OkAsync(await alice.RoomGetAsync(room, $"state/m.room.member/{Uri.EscapeDataString(bob.UserId.Value)}"));
        Assert.Equal("Bob", bobOnA["displayname"]!.GetValue<string>());
        var aliceSync = await alice.SyncAsync();
        Assert.Contains(SyncClient.TimelineEvents(aliceSync, RoomId.Parse(room)),
            e => e!["type"]!.GetValue<string>() == "m.room.member" && e["state_key"]!.GetValue<string>() == bob.UserId.Value);

        // The joining server has the room: its state, Bob's join in /sync, /joined_rooms and /messages.
        Assert.Equal("join", await bob.MembershipAsync(room, alice));
        Assert.Equal("join", await bob.MembershipAsync(room, bob));
        var state = await bob.GetStateAsync(room);
        Assert.Contains(state, e => e!["type"]!.GetValue<string>() == "m.room.name" && e["content"]!["name"]!.GetValue<string>() == "Lobby");
        Assert.Contains(state, e => e!["type"]!.GetValue<string>() == "m.room.create");
        var bobSync = await bob.SyncAsync();
        var bobRoom = SyncClient.JoinedRoom(bobSync, RoomId.Parse(room));
        Assert.NotNull(bobRoom);
        var everything = SyncClient.StateEvents(bobSync, RoomId.Parse(room)).Concat(SyncClient.TimelineEvents(bobSync, RoomId.Parse(room)).Select(e => e!.AsObject())).ToList();
        Assert.Contains(everything, e => e["type"]!.GetValue<string>() == "m.room.member" && e["state_key"]!.GetValue<string>() == alice.UserId.Value);
        Assert.Contains(everything, e => e["type"]!.GetValue<string>() == "m.room.member" && e["state_key"]!.GetValue<string>() == bob.UserId.Value);
        var rooms = await MatrixAssert.OkAsync(await bob.GetAsync("/_matrix/client/v3/joined_rooms"));
        Assert.Contains(rooms["joined_rooms"]!.AsArray(), r => r!.GetValue<string>() == room);
        var messages = await MatrixAssert.OkAsync(await bob.RoomGetAsync(room, "messages?dir=b&limit=10"));
        Assert.Contains(messages["chunk"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "m.room.member" && e["state_key"]!.GetValue<string>() == bob.UserId.Value);

        // Bob can send in the room he joined over federation (local send on his server's copy).
        await bob.SendMessageAsync(room, "hello from B");
    }

    [Fact]
    public async Task A_send_join_answer_over_the_size_limit_fails_the_join_with_502_not_the_remote_200()
    {
        await using var a = await FederatedHomeserver.StartAsync();
        await using var b = await FederatedHomeserver.StartAsync(services: s => s.AddSingleton(new FederationOptions
        {
            RequestTimeout = TimeSpan.FromSeconds(15),
            KeyFetchFailureBackoff = TimeSpan.Zero,
            MaxSendJoinResponseSize = 1024,
        }));
        var alice = await a.Server.CreateUserAsync("alice", "Alice");
        var bob = await b.Server.CreateUserAsync("bob", "Bob");
        string room = await alice.CreateRoomAsync(new { preset = "public_chat" });

        // The resident answers send_join with 200 and the room's state, larger than b accepts: the join fails as a bad
        // gateway (the remote's 200 used to be passed through as the status of the error).
        var response = await bob.PostAsync($"/_matrix/client/v3/join/{Uri.EscapeDataString(room)}?server_name={Uri.EscapeDataString(a.ServerName.Value)}", new { });
        await MatrixAssert.ErrorAsync(response, 502, "M_UNKNOWN");
    }

    [Fact]
    public async Task Another_servers_alias_resolves_through_the_federation_directory_query()
    {
        await using var a = await FederatedHomeserver.StartAsync();
        await using var b = await FederatedHomeserver.StartAsync();
        var alice = await a.Server.CreateUserAsync("alice", "Alice");
        var bob = await b.Server.CreateUserAsync("bob", "Bob");
        string room = await alice.CreateRoomAsync(new { preset = "public_chat", room_alias_name = "plaza" });

        // spec: client-server "GET /directory/room/{roomAlias}": the server asks the alias's server (query/directory).
        var resolved = await MatrixAssert.OkAsync(await bob.GetAsync($"/_matrix/client/v3/directory/room/{Uri.EscapeDataString($"#plaza:{a.ServerName}")}"));
        Assert.Equal(room, resolved["room_id"]!.GetValue<string>());
        Assert.Contains(resolved["servers"]!.AsArray(), s => s!.GetValue<string>() == a.ServerName.Value);

        var unknown = await bob.GetAsync($"/_matrix/client/v3/directory/room/{Uri.EscapeDataString($"#nowhere:{a.ServerName}")}");
        await MatrixAssert.ErrorAsync(unknown, 404, "M_NOT_FOUND");
    }

    [Fact]
    public async Task A_room_of_another_server_is_summarised_from_its_federation_hierarchy()
    {
        await using var a = await FederatedHomeserver.StartAsync();
        await using var b = await FederatedHomeserver.StartAsync();
        var alice = await a.Server.CreateUserAsync("alice", "Alice");
        var bob = await b.Server.CreateUserAsync("bob", "Bob");
        string room = await alice.CreateRoomAsync(new { preset = "public_chat", room_alias_name = "lounge", name = "The Lounge", topic = "chat" });
        string secret = await alice.CreateRoomAsync(new { preset = "private_chat", name = "Secret" });

        // spec: client-server "GET /room_summary/{roomIdOrAlias}" for a room this server is not in: by alias…
        var summary = await MatrixAssert.OkAsync(await bob.GetAsync($"/_matrix/client/v1/room_summary/{Uri.EscapeDataString($"#lounge:{a.ServerName}")}"));
        Assert.Equal(room, summary["room_id"]!.GetValue<string>());
        Assert.Equal("The Lounge", summary["name"]!.GetValue<string>());
        Assert.Equal("public", summary["join_rule"]!.GetValue<string>());
        Assert.Equal(1, summary["num_joined_members"]!.GetValue<int>());
        Assert.Equal("leave", summary["membership"]!.GetValue<string>());
        Assert.Null(summary["children_state"]);
        // …and by room ID with via.
        var byId = await MatrixAssert.OkAsync(await bob.GetAsync($"/_matrix/client/v1/room_summary/{Uri.EscapeDataString(room)}?via={Uri.EscapeDataString(a.ServerName.Value)}"));
        Assert.Equal("chat", byId["topic"]!.GetValue<string>());

        // A private room is not described to a server with nobody in it; anonymous callers never trigger federation.
        var hidden = await bob.GetAsync($"/_matrix/client/v1/room_summary/{Uri.EscapeDataString(secret)}?via={Uri.EscapeDataString(a.ServerName.Value)}");
        await MatrixAssert.ErrorAsync(hidden, 404, "M_NOT_FOUND");
        var anonymous = await b.Server.Http.GetAsync($"/_matrix/client/v1/room_summary/{Uri.EscapeDataString($"#lounge:{a.ServerName}")}");
        await MatrixAssert.ErrorAsync(anonymous, 404, "M_NOT_FOUND");
    }
}
