using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Myelin.Server.Tests.ClientApi.Media;

/// <summary>
/// A tiny web site for URL preview tests (Kestrel, random ports) on 127.0.0.1 and, where the system routes it
/// (Linux: all of 127.0.0.0/8 is loopback), 127.0.0.2. Pages are added with <see cref="Serve"/>; every request is
/// recorded with the local address it arrived at, so a test can show a blocked address was never contacted.
/// </summary>
public sealed class TestWebSite : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _pages = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(IPAddress Local, string Path)> _requests = new();

    private TestWebSite(WebApplication app) => _app = app;

    /// <summary>http://127.0.0.1:port</summary>
    public Uri Primary { get; private set; } = null!;

    /// <summary>http://127.0.0.2:port (another port), the "internal" host of redirect tests.</summary>
    public Uri Secondary { get; private set; } = null!;

    public static async Task<TestWebSite> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var secondary = IPAddress.Parse("127.0.0.2");
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Listen(secondary, 0);
        });
        var app = builder.Build();
        var site = new TestWebSite(app);
        app.Run(async context =>
        {
            site._requests.Enqueue((context.Connection.LocalIpAddress!.MapToIPv4(), context.Request.Path.Value ?? ""));
            if (site._pages.TryGetValue(context.Request.Path.Value ?? "", out var page))
            {
                await page(context);
            }
            else
            {
                context.Response.StatusCode = 404;
            }
        });
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        site.Primary = addresses.Single(a => a.Host == "127.0.0.1");
        site.Secondary = addresses.Single(a => a.Host == "127.0.0.2");
        return site;
    }

    /// <summary>Serves <paramref name="body"/> at <paramref name="path"/> with this Content-Type.</summary>
    public void Serve(string path, string contentType, byte[] body) => Serve(path, async context =>
    {
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body);
    });

    public void Serve(string path, Func<HttpContext, Task> handler) => _pages[path] = handler;

    /// <summary>Answers <paramref name="path"/> with a 302 to <paramref name="location"/>.</summary>
    public void Redirect(string path, Uri location) => Serve(path, context =>
    {
        context.Response.StatusCode = 302;
        context.Response.Headers.Location = location.AbsoluteUri;
        return Task.CompletedTask;
    });

    /// <summary>How many requests for <paramref name="path"/> arrived (at <paramref name="local"/>, if given).</summary>
    public int Hits(string path, IPAddress? local = null) => _requests.Count(r => r.Path == path && (local is null || r.Local.Equals(local)));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
