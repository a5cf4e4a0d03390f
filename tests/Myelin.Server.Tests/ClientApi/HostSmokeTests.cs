using Myelin.Server.Tests.Support;
using Myelin.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Myelin.Server.Tests.ClientApi;

public class HostSmokeTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task A_test_homeserver_starts_on_each_engine_and_answers(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var versions = await MatrixAssert.OkAsync(await server.Http.GetAsync("/_matrix/client/versions"));
        Assert.Contains("v1.19", versions["versions"]!.AsArray().Select(v => v!.GetValue<string>()));
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        Assert.Equal(engine == TestEngine.Sqlite ? DatabaseEngineKind.Sqlite : DatabaseEngineKind.Postgres, database.Engine);
    }
}
