using System.Text.Json.Nodes;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.Federation.Scenarios.FederationScenario;

namespace Myelin.Server.Tests.Federation.Scenarios;

/// <summary>
/// Proof 6 of the federation issue on three servers: invite, kick, ban and leave across servers, and an
/// <c>m.room.server_acl</c> that shuts one server out. spec: server-server "Inviting to a room", "Leaving Rooms",
/// "Server Access Control Lists (ACLs)".
/// </summary>
public sealed class MembershipAndAclTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Invite_kick_ban_and_leave_reach_every_server(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        await using var c = await FederatedHomeserver.StartAsync(engine);
        var alice = await a.Server.RegisterAsync("alice");
        var bob = await b.Server.RegisterAsync("bob");
        var carol = await c.Server.RegisterAsync("carol");
        string roomId = await CreatePublicRoomAsync(alice, "members");
        string room = Uri.EscapeDataString(roomId);

        // Invite: bob's server hears of it over /invite and bob sees it in /sync before joining.
        await MatrixAssert.OkAsync(await alice.PostAsync($"/_matrix/client/v3/rooms/{room}/invite", new { user_id = bob.UserId.Value }));
        await EventuallyAsync("bob's invite in /sync", async () =>
        {
            var (sync, _) = await SyncAsync(bob, null);
            return (sync["rooms"]?["invite"]?[roomId] is not null, sync["rooms"]?.ToJsonString() ?? "");
        });
        await JoinAsync(bob, roomId, a.ServerName.Value);
        await JoinAsync(carol, $"#members:{a.ServerName}");
        foreach (var observer in new[] { alice, bob, carol })
        {
            await WaitForMembershipAsync(observer, roomId, bob.UserId.Value);
            await WaitForMembershipAsync(observer, roomId, carol.UserId.Value);
        }

        // Kick: every server sees bob leave, and bob can come back.
        var (_, beforeKick) = await SyncAsync(bob, null);
        await MatrixAssert.OkAsync(await alice.PostAsync($"/_matrix/client/v3/rooms/{room}/kick", new { user_id = bob.UserId.Value, reason = "kick" }));
        await WaitForMembershipAsync(carol, roomId, bob.UserId.Value, "leave");
        await WaitForMembershipAsync(alice, roomId, bob.UserId.Value, "leave");
        await EventuallyAsync("bob's server to learn of the kick", async () =>
        {
            var (sync, _) = await SyncAsync(bob, beforeKick);
            return (sync["rooms"]?["leave"]?[roomId] is not null, sync["rooms"]?.ToJsonString() ?? "");
        });
        await JoinAsync(bob, roomId, a.ServerName.Value);
        await WaitForMembershipAsync(carol, roomId, bob.UserId.Value);

        // Ban: carol is banned everywhere and cannot rejoin through any server.
        await MatrixAssert.OkAsync(await alice.PostAsync($"/_matrix/client/v3/rooms/{room}/ban", new { user_id = carol.UserId.Value, reason = "ban" }));
        await WaitForMembershipAsync(bob, roomId, carol.UserId.Value, "ban");
        var rejoin = await carol.PostAsync($"/_matrix/client/v3/join/{room}?via={Uri.EscapeDataString(a.ServerName.Value)}", new { });
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, rejoin.StatusCode);
        Assert.Equal("ban", await MembershipAsync(alice, roomId, carol.UserId.Value));

        // Leave: bob leaves on his own; the others see it.
        await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/rooms/{room}/leave", new { }));
        await WaitForMembershipAsync(alice, roomId, bob.UserId.Value, "leave");

        var states = new[] { await FullStateAsync(alice, roomId), await FullStateAsync(bob, roomId) };
        Assert.Equal(states[0]["m.room.member|" + carol.UserId.Value], states[1]["m.room.member|" + carol.UserId.Value]);
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task A_server_acl_shuts_one_server_out_while_the_others_talk_on(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        // ACLs match host names without the port (spec: client-server "Server Access Control Lists"), so the server
        // to shut out gets a host of its own: the IP literal 127.0.0.1 (the test certificate names it too).
        await using var c = await FederatedHomeserver.StartAsync(engine, host: "127.0.0.1");
        var alice = await a.Server.RegisterAsync("alice");
        var bob = await b.Server.RegisterAsync("bob");
        var carol = await c.Server.RegisterAsync("carol");
        var dave = await c.Server.RegisterAsync("dave");
        string roomId = await CreatePublicRoomAsync(alice, "acl");
        string room = Uri.EscapeDataString(roomId);
        await JoinAsync(bob, $"#acl:{a.ServerName}");
        await JoinAsync(carol, $"#acl:{a.ServerName}");
        await WaitForMembershipAsync(bob, roomId, carol.UserId.Value);
        await SendTextAsync(carol, roomId, "before the acl");
        await WaitForMessagesAsync(bob, roomId, "before the acl");

        await MatrixAssert.OkAsync(await alice.PutAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.server_acl/",
            new { allow = new[] { "*" }, deny = new[] { "127.0.0.1" }, allow_ip_literals = true }));
        await EventuallyAsync("the acl to reach every server", async () =>
        {
            foreach (var user in new[] { bob, carol })
            {
                var state = await FullStateAsync(user, roomId);
                if (!state.ContainsKey("m.room.server_acl|"))
                {
                    return (false, $"{user.UserId} has no acl yet");
                }
            }
            return (true, "");
        });

        // C's events are no longer accepted by A and B (spec: ACLs apply to every PDU and EDU of the denied origin)...
        await SendTextAsync(carol, roomId, "from the denied server");
        // ...nor C's joins: C is in the room, so dave's join is made on C and sent out, where A and B refuse it...
        await dave.PostAsync($"/_matrix/client/v3/join/{room}", new { });
        // ...while A and B go on talking. B's message arriving at A after C's proves C's had its chance.
        await SendTextAsync(bob, roomId, "after the acl");
        await WaitForMessagesAsync(alice, roomId, "after the acl");
        Assert.DoesNotContain("from the denied server", await MessageBodiesAsync(bob, roomId));
        Assert.DoesNotContain("from the denied server", await MessageBodiesAsync(alice, roomId));
        // Both ways: A and B send the denied server nothing of the room any more.
        await SendTextAsync(alice, roomId, "alice after the acl");
        await WaitForMessagesAsync(bob, roomId, "alice after the acl");
        var carolSees = await MessageBodiesAsync(carol, roomId);
        Assert.DoesNotContain("after the acl", carolSees);
        Assert.DoesNotContain("alice after the acl", carolSees);
        Assert.Equal("join", await MembershipAsync(alice, roomId, bob.UserId.Value));
        Assert.NotEqual("join", await MembershipAsync(alice, roomId, dave.UserId.Value));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task A_late_joiner_pages_back_through_history_it_gets_by_backfill(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        await using var c = await FederatedHomeserver.StartAsync(engine);
        var alice = await a.Server.RegisterAsync("alice");
        var bob = await b.Server.RegisterAsync("bob");
        var carol = await c.Server.RegisterAsync("carol");
        string roomId = await CreatePublicRoomAsync(alice, "history");
        await JoinAsync(bob, $"#history:{a.ServerName}");
        var sent = new List<string>();
        for (int i = 1; i <= 30; i++)
        {
            string body = $"history {i}";
            // Each message answers the previous one (sent once it arrived), so the history is one line, not forks.
            await SendTextAsync(i % 2 == 0 ? alice : bob, roomId, body);
            await WaitForMessagesAsync(i % 2 == 0 ? bob : alice, roomId, body);
            sent.Add(body);
        }
        await WaitForMessagesAsync(alice, roomId, "history 30");
        await WaitForMessagesAsync(bob, roomId, "history 29");

        await JoinAsync(carol, $"#history:{a.ServerName}");
        // Page back from the join in pages of 7 until the room's beginning: everything before the join reaches C
        // only through /backfill, and pagination must neither skip nor repeat an event.
        var seen = new List<string>();
        var types = new List<string>();
        string? from = null;
        for (int page = 0; page < 30; page++)
        {
            string path = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/messages?dir=b&limit=7"
                + (from is null ? "" : $"&from={Uri.EscapeDataString(from)}");
            var response = await MatrixAssert.OkAsync(await carol.GetAsync(path));
            foreach (var e in response["chunk"]!.AsArray())
            {
                types.Add(e!["type"]!.GetValue<string>());
                if (e["type"]!.GetValue<string>() == "m.room.message")
                {
                    seen.Add(e["content"]!["body"]!.GetValue<string>());
                }
            }
            from = response["end"]?.GetValue<string>();
            if (from is null)
            {
                break;
            }
        }
        seen.Reverse();
        Assert.Equal(sent, seen);
        Assert.Equal("m.room.create", types[^1]);
    }
}
