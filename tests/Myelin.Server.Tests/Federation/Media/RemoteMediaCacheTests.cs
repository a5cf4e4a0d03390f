using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Myelin.Server.Configuration;
using Myelin.Server.Media;
using Myelin.Server.Tests.ClientApi.Media;
using Myelin.Server.Tests.Support;
using Myelin.Storage.Media;

namespace Myelin.Server.Tests.Federation.Media;

/// <summary>The remote media cache's behaviour across two real servers: fallback, single fetch, bounds, sweeping.</summary>
public sealed class RemoteMediaCacheTests
{
    private const string Authed = "/_matrix/client/v1/media";

    [Fact]
    public async Task Concurrent_requests_for_the_same_media_fetch_it_once()
    {
        await using var a = await FederatedHomeserver.StartAsync();
        await using var b = await FederatedHomeserver.StartAsync();
        var alice = await a.Server.RegisterAsync();
        var bob = await b.Server.RegisterAsync();
        // A pending async upload holds every fetch open on A until the bytes arrive, so the requests surely overlap.
        string mediaId = await alice.CreateMediaAsync();

        var downloads = Enumerable.Range(0, 5)
            .Select(_ => bob.GetAsync($"{Authed}/download/{a.ServerName}/{mediaId}?timeout_ms=20000"))
            .ToList();
        // Upload only once B's fetch is under way (waiting on A), so the requests overlap it.
        var cache = b.Server.Services.GetRequiredService<RemoteMediaCache>();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (cache.FetchesInFlight == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal(1, cache.FetchesInFlight);
        byte[] bytes = [1, 2, 3, 4, 5];
        await MatrixAssert.OkAsync(await alice.SendContentAsync(HttpMethod.Put, $"/_matrix/media/v3/upload/{a.ServerName}/{mediaId}?filename=late.bin",
            new ByteArrayContent(bytes)));

        foreach (var response in await Task.WhenAll(downloads))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
            Assert.Equal("late.bin", response.Content.Headers.ContentDisposition!.FileName!.Trim('"'));
        }
        Assert.Equal(1, RemoteMediaTests.FetchCount(b));
    }

    [Fact]
    public async Task A_pending_remote_upload_answers_not_yet_uploaded_after_timeout_ms()
    {
        await using var a = await FederatedHomeserver.StartAsync();
        await using var b = await FederatedHomeserver.StartAsync();
        var alice = await a.Server.RegisterAsync();
        var bob = await b.Server.RegisterAsync();
        string mediaId = await alice.CreateMediaAsync();
        await MatrixAssert.ErrorAsync(await bob.GetAsync($"{Authed}/download/{a.ServerName}/{mediaId}?timeout_ms=300"), 504, "M_NOT_YET_UPLOADED");
    }

    [Fact]
    public async Task Servers_without_federation_media_are_asked_on_the_deprecated_endpoint()
    {
        // A serves keys and the (legacy) media API but not /_matrix/federation: its federation media endpoint answers
        // 404 M_UNRECOGNIZED, as a server older than Matrix 1.11 would.
        await using var a = await FederatedHomeserver.StartAsync(configure: c => c with
        {
            Listeners = [c.Listeners[0] with { Resources = new HashSet<string>(StringComparer.Ordinal) { ListenerResources.Client, ListenerResources.Keys, ListenerResources.Media } }],
        });
        await using var b = await FederatedHomeserver.StartAsync();
        var alice = await a.Server.RegisterAsync();
        var bob = await b.Server.RegisterAsync();
        byte[] png = TestImages.Png(40, 30);
        string mediaId = await alice.UploadAsync(png, "image/png", "old.png");
        await MatrixAssert.ErrorAsync(await a.SendSignedAsync(HttpMethod.Get, $"/_matrix/federation/v1/media/download/{mediaId}", b.ServerName, b.SigningKey),
            404, "M_UNRECOGNIZED");

        var response = await bob.GetAsync($"{Authed}/download/{a.ServerName}/{mediaId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(png, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("old.png", response.Content.Headers.ContentDisposition!.FileName!.Trim('"'));
        var thumbnail = await bob.GetAsync($"{Authed}/thumbnail/{a.ServerName}/{mediaId}?width=20&height=20&method=scale");
        Assert.Equal((20, 15), TestImages.PngSize(await thumbnail.Content.ReadAsByteArrayAsync()));
        await MatrixAssert.ErrorAsync(await bob.GetAsync($"{Authed}/download/{a.ServerName}/unknownMedia"), 404, "M_NOT_FOUND");
    }

    [Fact]
    public async Task The_cache_drops_the_least_recently_used_media_beyond_its_size_bound()
    {
        var a = await FederatedHomeserver.StartAsync();
        await using var b = await FederatedHomeserver.StartAsync(configure: c => c with { RemoteMediaCacheMaxBytes = 2500 });
        var bob = await b.Server.RegisterAsync();
        string first, second, third;
        await using (a)
        {
            var alice = await a.Server.RegisterAsync();
            first = await alice.UploadAsync(Filled(1000, 1), "application/octet-stream", null);
            second = await alice.UploadAsync(Filled(1000, 2), "application/octet-stream", null);
            third = await alice.UploadAsync(Filled(1000, 3), "application/octet-stream", null);
            Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"{Authed}/download/{a.ServerName}/{first}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"{Authed}/download/{a.ServerName}/{second}")).StatusCode);
            // Make "first" the most recently used, so "second" is the one to go when "third" arrives.
            await b.Host.Database.RemoteMedia.TouchAsync(RemoteMediaKey.Original(a.ServerName, first), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);
            Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"{Authed}/download/{a.ServerName}/{third}")).StatusCode);
        }
        Assert.Equal(2000, await b.Host.Database.RemoteMedia.GetTotalSizeAsync());
        Assert.Equal(Filled(1000, 1), await (await bob.GetAsync($"{Authed}/download/{a.ServerName}/{first}")).Content.ReadAsByteArrayAsync());
        Assert.Equal(Filled(1000, 3), await (await bob.GetAsync($"{Authed}/download/{a.ServerName}/{third}")).Content.ReadAsByteArrayAsync());
        await MatrixAssert.ErrorAsync(await bob.GetAsync($"{Authed}/download/{a.ServerName}/{second}"), 502, "M_UNKNOWN");
        // The evicted file is gone from disk too: two cached files remain.
        string root = Path.Combine(b.Host.Config.MediaStorePath, "remote", "content");
        Assert.Equal(2, Directory.GetFiles(root, "*", SearchOption.AllDirectories).Count(f => !f.Contains("incoming", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_retention_sweep_drops_expired_pending_uploads_and_media_unused_past_the_ttl()
    {
        await using var a = await FederatedHomeserver.StartAsync();
        await using var b = await FederatedHomeserver.StartAsync(configure: c => c with { RemoteMediaCacheTtl = TimeSpan.FromHours(1) });
        var alice = await a.Server.RegisterAsync();
        var bob = await b.Server.RegisterAsync();
        string mediaId = await alice.UploadAsync([7, 7, 7], "application/octet-stream", null);
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"{Authed}/download/{a.ServerName}/{mediaId}")).StatusCode);

        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var key = RemoteMediaKey.Original(a.ServerName, mediaId);
        var cached = (await b.Host.Database.RemoteMedia.GetAsync(key))!;
        // Pretend it was last used two hours ago, and that bob created an upload whose reservation has run out.
        await b.Host.Database.RemoteMedia.PutAsync(cached with { LastAccessTs = now - (2 * 3_600_000) });
        Assert.True(await b.Host.Database.Media.AddPendingAsync("expiredUpload", bob.UserId, now - 100_000, now - 1, 5, now - 100_000));
        string live = await bob.CreateMediaAsync();

        var retention = b.Server.Services.GetServices<IHostedService>().OfType<MediaRetention>().Single();
        Assert.Equal((1, 1), await retention.SweepAsync(CancellationToken.None));
        Assert.Null(await b.Host.Database.Media.GetAsync("expiredUpload"));
        Assert.NotNull(await b.Host.Database.Media.GetAsync(live));
        Assert.Null(await b.Host.Database.RemoteMedia.GetAsync(key));

        // Dropped from the cache means fetched again on the next request.
        Assert.Equal([7, 7, 7], await (await bob.GetAsync($"{Authed}/download/{a.ServerName}/{mediaId}")).Content.ReadAsByteArrayAsync());
        Assert.Equal(2, RemoteMediaTests.FetchCount(b));
    }

    private static byte[] Filled(int length, byte value) => Enumerable.Repeat(value, length).ToArray();
}
