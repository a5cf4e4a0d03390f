using Myelin.Server.Tests.ClientApi.Voip;

namespace Myelin.Server.Tests.Federation.Scenarios;

/// <summary>Issue 8's VoIP proof across servers: a caller on A and a callee on B exchange a whole call through room events.</summary>
public sealed class CrossServerCallTests
{
    [Fact]
    public async Task A_call_between_users_of_two_servers_goes_through()
    {
        await using var a = await FederatedHomeserver.StartAsync();
        await using var b = await FederatedHomeserver.StartAsync();
        var caller = await a.Server.RegisterAsync("caller");
        var callee = await b.Server.RegisterAsync("callee");
        await CallSignallingTests.ExchangeCallAsync(caller, callee);
    }
}
