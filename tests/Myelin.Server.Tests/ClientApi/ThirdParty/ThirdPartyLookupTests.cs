using Myelin.Server.Tests.ClientApi.Timeline;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.ThirdParty;

public class ThirdPartyLookupTests
{
    private const string Prefix = "/_matrix/client/v3/thirdparty";

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Without_application_services_no_protocol_is_known(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await new TimelineTestKit(server).UserAsync("alice");

        Assert.Empty(await MatrixAssert.OkAsync(await alice.GetAsync($"{Prefix}/protocols")));
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{Prefix}/protocol/irc"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{Prefix}/location/irc?network=libera&channel=%23matrix"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{Prefix}/user/irc?nick=alice"), 404, "M_NOT_FOUND");

        Assert.Equal("[]", await Ok(await alice.GetAsync($"{Prefix}/location?alias=%23matrix:example.org")));
        Assert.Equal("[]", await Ok(await alice.GetAsync($"{Prefix}/user?userid=@bob:example.org")));
        // The r0 prefix older clients use answers the same.
        Assert.Empty(await MatrixAssert.OkAsync(await alice.GetAsync("/_matrix/client/r0/thirdparty/protocols")));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Bad_requests_are_rejected(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await new TimelineTestKit(server).UserAsync("alice");

        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{Prefix}/location"), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{Prefix}/location?alias=matrix"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{Prefix}/user"), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{Prefix}/user?userid=bob"), 400, "M_INVALID_PARAM");
        foreach (var path in new[] { "protocols", "protocol/irc", "location/irc", "user/irc", "location?alias=%23a:b", "user?userid=@a:b" })
        {
            await MatrixAssert.ErrorAsync(await server.Http.GetAsync($"{Prefix}/{path}"), 401, "M_MISSING_TOKEN");
        }
    }

    private static async Task<string> Ok(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return text;
    }
}
