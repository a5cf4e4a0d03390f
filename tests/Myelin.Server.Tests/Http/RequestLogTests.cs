using Myelin.Server.Tests.Hosting;

namespace Myelin.Server.Tests.Http;

public sealed class RequestLogTests
{
    [Fact]
    public async Task Requests_are_logged_by_path_without_access_tokens_or_authorization()
    {
        await using var server = await TestServer.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_matrix/client/versions?access_token=syt_secret_query_token");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "syt_secret_header_token");
        (await server.Client.SendAsync(request)).Dispose();
        (await server.Client.GetAsync("/_matrix/client/v3/unknown?access_token=syt_secret_404_token")).Dispose();
        await server.Host.StopAsync();

        string logs = server.Logs.All;
        Assert.Contains("/_matrix/client/versions", logs, StringComparison.Ordinal);
        Assert.Contains("/_matrix/client/v3/unknown", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("syt_secret", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("access_token", logs, StringComparison.Ordinal);
    }
}
