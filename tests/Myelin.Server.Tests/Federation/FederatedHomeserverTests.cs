using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation;

/// <summary>The multi-server fixture itself: clients over HTTPS and restarts that keep the data.</summary>
public sealed class FederatedHomeserverTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task A_restarted_server_keeps_its_port_and_data(TestEngine engine)
    {
        await using var server = await FederatedHomeserver.StartAsync(engine);
        var alice = await server.Server.RegisterAsync();
        var before = server.Host.BaseAddress;

        await server.RestartAsync();

        Assert.Equal(before, server.Host.BaseAddress);
        var whoami = await MatrixAssert.OkAsync(await alice.GetAsync("/_matrix/client/v3/account/whoami"));
        Assert.Equal(alice.UserId.Value, whoami["user_id"]!.GetValue<string>());
    }
}
