using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.ClientApi.Sync;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.Federation.Membership.FederationMembershipClient;

namespace Myelin.Server.Tests.Federation.Membership;

/// <summary>
/// After a join over federation the room works across servers: messages both ways, a third server's join forwarded
/// by the resident to the others, and a leave. spec: server-server "Joining Rooms" ("The resident server must also
/// send the event to other servers participating in the room").
/// </summary>
public sealed class JoinedRoomTrafficTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Messages_flow_both_ways_and_a_third_servers_join_and_a_leave_reach_everyone(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        await using var c = await FederatedHomeserver.StartAsync(engine);
        var alice = await a.Server.CreateUserAsync("alice");
        var bob = await b.Server.CreateUserAsync("bob");
        var carol = await c.Server.CreateUserAsync("carol");
        string room = await alice.CreateRoomAsync(new { preset = "public_chat", room_alias_name = "town" });
        var roomId = RoomId.Parse(room);
        await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/join/{Escape($"#town:{a.ServerName}")}", new { }));

        string fromAlice = await alice.SendMessageAsync(room, "hi bob");
        await bob.WaitForSyncAsync(s => SyncClient.TimelineIds(s, roomId).Contains(fromAlice));
        string fromBob = await bob.SendMessageAsync(room, "hi alice");
        await alice.WaitForSyncAsync(s => SyncClient.TimelineIds(s, roomId).Contains(fromBob));

        // Carol joins through B (by room ID, via B): B is resident now and forwards her join to A.
        await MatrixAssert.OkAsync(await carol.PostAsync($"/_matrix/client/v3/join/{Escape(room)}?via={Escape(b.ServerName.Value)}", new { }));
        Assert.Equal("join", await bob.MembershipAsync(room, carol));
        await WaitForMembershipAsync(alice, room, carol, "join");
        string fromCarol = await carol.SendMessageAsync(room, "hi all");
        await alice.WaitForSyncAsync(s => SyncClient.TimelineIds(s, roomId).Contains(fromCarol));
        await bob.WaitForSyncAsync(s => SyncClient.TimelineIds(s, roomId).Contains(fromCarol));

        // Bob leaves (an ordinary send on his server, which is in the room): everyone sees it.
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "leave"));
        await WaitForMembershipAsync(alice, room, bob, "leave");
        await WaitForMembershipAsync(carol, room, bob, "leave");
    }

    private static async Task WaitForMembershipAsync(TestUser reader, string room, TestUser member, string membership)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await reader.MembershipAsync(room, member) != membership)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{reader.UserId} never saw {member.UserId} with membership {membership}");
            await Task.Delay(100);
        }
    }
}
