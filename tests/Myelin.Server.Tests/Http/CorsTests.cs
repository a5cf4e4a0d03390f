using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Myelin.Server.Tests.Hosting;

namespace Myelin.Server.Tests.Http;

public sealed class CorsTests
{
    private static void AssertCorsHeaders(HttpResponseMessage response)
    {
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        string methods = response.Headers.GetValues("Access-Control-Allow-Methods").Single();
        foreach (var method in new[] { "GET", "POST", "PUT", "DELETE", "OPTIONS" })
        {
            Assert.Contains(method, methods, StringComparison.Ordinal);
        }
        string headers = response.Headers.GetValues("Access-Control-Allow-Headers").Single();
        foreach (var header in new[] { "X-Requested-With", "Content-Type", "Authorization" })
        {
            Assert.Contains(header, headers, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_response_carries_the_CORS_headers_including_errors()
    {
        await using var server = await TestServer.StartAsync();

        using var ok = await server.Client.GetAsync("/_matrix/client/versions");
        using var notFound = await server.Client.GetAsync("/_matrix/client/v3/unknown");

        AssertCorsHeaders(ok);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        AssertCorsHeaders(notFound);
    }

    [Fact]
    public async Task Preflight_is_answered_without_running_the_endpoint()
    {
        int calls = 0;
        await using var server = await TestServer.StartAsync(endpoints: e => e.MapPut("/_test/counter", () =>
        {
            Interlocked.Increment(ref calls);
            return Results.Ok();
        }));
        using var request = new HttpRequestMessage(HttpMethod.Options, "/_test/counter");
        request.Headers.Add("Origin", "https://app.example");
        request.Headers.Add("Access-Control-Request-Method", "PUT");

        using var response = await server.Client.SendAsync(request);

        Assert.True(response.IsSuccessStatusCode, $"status {response.StatusCode}");
        AssertCorsHeaders(response);
        Assert.Equal(0, calls);
    }
}
