using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.Configuration;
using Myelin.Server.Metrics;

namespace Myelin.Server.Tests.Hosting;

public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_count_requests_per_route_and_status()
    {
        await using var server = await TestServer.StartAsync();
        for (int i = 0; i < 3; i++)
        {
            (await server.Client.GetAsync("/_matrix/client/versions")).Dispose();
        }
        (await server.Client.GetAsync("/_matrix/client/v3/nothing_here")).Dispose();

        string metrics = await server.Client.GetStringAsync("/metrics");

        var versionsCount = metrics.Split('\n').Single(l =>
            l.StartsWith("http_requests_received_total{", StringComparison.Ordinal) && l.Contains("endpoint=\"/_matrix/client/versions\"", StringComparison.Ordinal));
        Assert.Contains("code=\"200\"", versionsCount, StringComparison.Ordinal);
        Assert.EndsWith(" 3", versionsCount, StringComparison.Ordinal);
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("http_requests_received_total{", StringComparison.Ordinal) && l.Contains("code=\"404\"", StringComparison.Ordinal));
        Assert.Contains("http_request_duration_seconds_bucket{", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Database_timings_appear_as_a_histogram_per_operation()
    {
        await using var server = await TestServer.StartAsync();
        var metrics = server.Host.Services.GetRequiredService<MyelinMetrics>();
        using (metrics.TimeDatabase("users.get"))
        {
            await Task.Delay(5);
        }

        string text = await server.Client.GetStringAsync("/metrics");

        var count = text.Split('\n').Single(l => l.StartsWith("myelin_database_operation_duration_seconds_count{operation=\"users.get\"}", StringComparison.Ordinal));
        Assert.EndsWith(" 1", count, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Real_store_operations_are_timed_per_operation()
    {
        await using var server = await TestServer.StartAsync();
        var database = server.Host.Services.GetRequiredService<Myelin.Storage.MyelinDatabase>();
        await database.Users.ExistsAsync(Myelin.Protocol.Identifiers.UserId.Parse("@nobody:localhost"));
        await database.Users.ExistsAsync(Myelin.Protocol.Identifiers.UserId.Parse("@nobody:localhost"));

        string text = await server.Client.GetStringAsync("/metrics");

        var count = text.Split('\n').Single(l => l.StartsWith("myelin_database_operation_duration_seconds_count{operation=\"read:ExistsAsync\"}", StringComparison.Ordinal));
        Assert.EndsWith(" 2", count, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_are_not_served_on_a_listener_without_the_metrics_resource()
    {
        await using var server = await TestServer.StartAsync(c => c with
        {
            Listeners = [ListenerConfig.Http(IPAddress.Loopback, 0) with { Resources = new HashSet<string> { "client" } }],
        });

        using var response = await server.Client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("M_UNRECOGNIZED", body.RootElement.GetProperty("errcode").GetString());
        // The client API is still there.
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/_matrix/client/versions")).StatusCode);
    }
}
