using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Myelin.Server.Tests.ClientApi.Push;

/// <summary>
/// A tiny push gateway on 127.0.0.1 (Kestrel, random port): records every <c>POST /_matrix/push/v1/notify</c> body and
/// answers with what <see cref="Respond"/> returns (default 200 <c>{"rejected": []}</c>).
/// </summary>
public sealed class TestPushGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<JsonObject> _received = new();

    private TestPushGateway(WebApplication app) => _app = app;

    public string NotifyUrl { get; private set; } = "";

    /// <summary>Given the request body, the status code and JSON body to answer with.</summary>
    public Func<JsonObject, (int Status, JsonObject Body)> Respond { get; set; } = _ => (200, new JsonObject { ["rejected"] = new JsonArray() });

    public IReadOnlyList<JsonObject> Received => [.. _received];

    public static async Task<TestPushGateway> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var gateway = new TestPushGateway(app);
        app.MapPost("/_matrix/push/v1/notify", async (HttpContext context) =>
        {
            var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            gateway._received.Enqueue(body);
            var (status, answer) = gateway.Respond(body);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.ToJsonString());
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        gateway.NotifyUrl = address.TrimEnd('/') + "/_matrix/push/v1/notify";
        return gateway;
    }

    /// <summary>Waits (up to 15 s) until at least <paramref name="count"/> received bodies match.</summary>
    public async Task<IReadOnlyList<JsonObject>> WaitForAsync(Func<JsonObject, bool> match, int count = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var matching = Received.Where(match).ToList();
            if (matching.Count >= count)
            {
                return matching;
            }
            Assert.True(DateTime.UtcNow < deadline, $"push gateway got {matching.Count} matching of {Received.Count} requests, expected {count}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
