using System.Net;
using System.Text.Json;

namespace Myelin.Server.Tests.Hosting;

public sealed class DiscoveryEndpointTests
{
    [Fact]
    public async Task Versions_lists_v1_1_through_v1_19_and_empty_unstable_features()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.Client.GetAsync("/_matrix/client/versions");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var versions = body.RootElement.GetProperty("versions").EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.Equal(Enumerable.Range(1, 19).Select(i => $"v1.{i}"), versions);
        Assert.Equal(JsonValueKind.Object, body.RootElement.GetProperty("unstable_features").ValueKind);
        Assert.Empty(body.RootElement.GetProperty("unstable_features").EnumerateObject());
    }

    [Fact]
    public async Task Client_well_known_points_at_public_baseurl()
    {
        await using var server = await TestServer.StartAsync();

        using var body = JsonDocument.Parse(await server.Client.GetStringAsync("/.well-known/matrix/client"));

        Assert.Equal("https://matrix.test.example", body.RootElement.GetProperty("m.homeserver").GetProperty("base_url").GetString());
    }

    [Fact]
    public async Task Server_well_known_is_absent_unless_enabled()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.Client.GetAsync("/.well-known/matrix/server");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("M_UNRECOGNIZED", body.RootElement.GetProperty("errcode").GetString());
    }

    [Fact]
    public async Task Server_well_known_delegates_to_port_443_of_public_baseurl_host()
    {
        await using var server = await TestServer.StartAsync(c => c with { ServeServerWellKnown = true });

        using var body = JsonDocument.Parse(await server.Client.GetStringAsync("/.well-known/matrix/server"));

        Assert.Equal("matrix.test.example:443", body.RootElement.GetProperty("m.server").GetString());
    }

    [Fact]
    public async Task Health_answers_OK()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.Client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("OK", await response.Content.ReadAsStringAsync());
    }
}
