using System.Text.Json.Nodes;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation.Inbound;

/// <summary>
/// Two real Myelin servers in one room (joined over federation): each server's events reach the other through its
/// outbound transactions and this server's <c>PUT /send</c> intake, also when both send at once (a fork each side
/// resolves). spec: server-server "Transactions"; "Checks performed on receipt of a PDU".
/// </summary>
public sealed class ConversationTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Messages_flow_both_ways_and_concurrent_sends_converge(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        var alice = await a.Server.CreateUserAsync("alice");
        var bob = await b.Server.CreateUserAsync("bob");
        string room = await alice.CreateRoomAsync(new { preset = "public_chat", room_alias_name = "talk" });
        await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/join/{Uri.EscapeDataString($"#talk:{a.ServerName}")}", new { }));

        string fromAlice = await alice.SendMessageAsync(room, "hi bob");
        await WaitForAsync(bob, room, [fromAlice]);
        string fromBob = await bob.SendMessageAsync(room, "hi alice");
        await WaitForAsync(alice, room, [fromBob]);

        // Both at once: each server's event cites only its own tip, so each side receives a fork.
        var sends = await Task.WhenAll(alice.SendMessageAsync(room, "at once A"), bob.SendMessageAsync(room, "at once B"));
        await WaitForAsync(alice, room, sends);
        await WaitForAsync(bob, room, sends);

        // The next event on each side merges its extremities and still reaches the other.
        string after = await alice.SendMessageAsync(room, "after");
        await WaitForAsync(bob, room, [after]);
        Assert.Equal("join", await alice.MembershipAsync(room, bob));
    }

    /// <summary>Polls the user's /messages until every event in <paramref name="eventIds"/> is there.</summary>
    private static async Task WaitForAsync(TestUser user, string room, IReadOnlyCollection<string> eventIds)
    {
        var until = DateTime.UtcNow + Deadline;
        HashSet<string> seen = [];
        while (DateTime.UtcNow < until)
        {
            var page = await MatrixAssert.OkAsync(await user.RoomGetAsync(room, "messages?dir=b&limit=50"));
            seen = [.. page["chunk"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>())];
            if (eventIds.All(seen.Contains))
            {
                return;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"{user.UserId} did not get {string.Join(", ", eventIds.Where(id => !seen.Contains(id)))} within {Deadline.TotalSeconds} s.");
    }
}
