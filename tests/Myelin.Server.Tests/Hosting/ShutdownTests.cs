using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Myelin.Server.Tests.Hosting;

public sealed class ShutdownTests
{
    [Fact]
    public async Task Stopping_lets_in_flight_requests_finish()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(endpoints: e => e.MapGet("/_test/slow", async () =>
        {
            entered.SetResult();
            await Task.Delay(500);
            return Results.Text("done");
        }));

        var request = server.Client.GetAsync("/_test/slow");
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var stop = server.Host.StopAsync();
        using var response = await request;
        await stop;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("done", await response.Content.ReadAsStringAsync());
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => server.Client.GetAsync("/health"));
    }

    [Fact]
    public async Task Stopping_waits_for_hosted_services_to_finish_their_writes()
    {
        var writer = new SlowWriter();
        await using var server = await TestServer.StartAsync(services: s => s.AddSingleton<IHostedService>(writer));

        await server.Host.StopAsync();

        Assert.True(writer.Flushed);
    }

    private sealed class SlowWriter : IHostedService
    {
        public bool Flushed { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            await Task.Delay(200, cancellationToken);
            Flushed = true;
        }
    }
}
