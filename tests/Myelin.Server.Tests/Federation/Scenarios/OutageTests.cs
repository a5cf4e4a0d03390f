using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.Federation.Scenarios.FederationScenario;

namespace Myelin.Server.Tests.Federation.Scenarios;

/// <summary>
/// Issue 5's proof 2: a server stopped mid-conversation catches up when it comes back, in both directions, and a
/// server restarted with outbound transactions still queued delivers them.
/// </summary>
public sealed class OutageTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task A_server_that_was_down_catches_up_and_nothing_is_lost_either_way(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        await using var c = await FederatedHomeserver.StartAsync(engine);
        var alice = await a.Server.RegisterAsync("alice");
        var bob = await b.Server.RegisterAsync("bob");
        var carol = await c.Server.RegisterAsync("carol");
        string roomId = await CreatePublicRoomAsync(alice, "outage");
        await JoinAsync(bob, roomId, a.ServerName.Value);
        await JoinAsync(carol, $"#outage:{a.ServerName}");
        await WaitForMembershipAsync(bob, roomId, carol.UserId.Value);
        await SendTextAsync(carol, roomId, "before the outage");
        await WaitForMessagesAsync(alice, roomId, "before the outage");
        await WaitForMessagesAsync(bob, roomId, "before the outage");

        await c.Server.StopAsync();
        await SendTextAsync(alice, roomId, "sent while C was down (from A)");
        await SendTextAsync(bob, roomId, "sent while C was down (from B)");
        await WaitForMessagesAsync(alice, roomId, "sent while C was down (from B)");

        await c.Server.StartAgainAsync();
        // C speaks first: A and B hear from C, stop backing off and deliver what C missed; C's message reaches them.
        await SendTextAsync(carol, roomId, "back again");
        await WaitForMessagesAsync(carol, roomId, "sent while C was down (from A)", "sent while C was down (from B)");
        await WaitForMessagesAsync(alice, roomId, "back again");
        await WaitForMessagesAsync(bob, roomId, "back again");
    }

    [Fact]
    public async Task Transactions_queued_before_a_restart_are_delivered_after_it()
    {
        await using var a = await FederatedHomeserver.StartAsync();
        await using var b = await FederatedHomeserver.StartAsync();
        var alice = await a.Server.RegisterAsync("alice");
        var bob = await b.Server.RegisterAsync("bob");
        string roomId = await CreatePublicRoomAsync(alice, "queued");
        await JoinAsync(bob, roomId, a.ServerName.Value);
        await WaitForMembershipAsync(alice, roomId, bob.UserId.Value);

        await b.Server.StopAsync();
        await SendTextAsync(alice, roomId, "queued 1");
        await SendTextAsync(alice, roomId, "queued 2");
        // A restarts with the two PDUs still queued for B (B is down, so they cannot have been delivered).
        await a.RestartAsync();
        await b.Server.StartAgainAsync();

        await WaitForMessagesAsync(bob, roomId, "queued 1", "queued 2");
    }
}
