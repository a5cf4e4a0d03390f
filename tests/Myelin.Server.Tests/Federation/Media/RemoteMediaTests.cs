using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Media;
using Myelin.Server.Tests.ClientApi.Media;
using Myelin.Server.Tests.Support;
using Myelin.Storage.Media;

namespace Myelin.Server.Tests.Federation.Media;

/// <summary>
/// Media across two real servers: a user on A uploads, a user on B downloads through B, which fetches over
/// federation (spec: server-server "Content Repository") and caches. Core cases run on both engines.
/// </summary>
public abstract class RemoteMediaTests
{
    private const string Authed = "/_matrix/client/v1/media";

    protected abstract TestEngine Engine { get; }

    internal static double FetchCount(FederatedHomeserver server, string result = "ok") =>
        server.Server.Services.GetRequiredService<RemoteMediaCache>().Fetches.WithLabels(result).Value;

    [Fact]
    public async Task Media_uploaded_on_A_is_served_by_B_with_thumbnails_and_then_from_B_s_cache()
    {
        var a = await FederatedHomeserver.StartAsync(Engine);
        await using var b = await FederatedHomeserver.StartAsync(Engine);
        byte[] png = TestImages.Png(40, 30);
        string mediaId;
        await using (a)
        {
            var alice = await a.Server.RegisterAsync();
            var bob = await b.Server.RegisterAsync();
            mediaId = await alice.UploadAsync(png, "image/png", "kätzchen.png");
            string path = $"{Authed}/download/{a.ServerName}/{mediaId}";

            var response = await bob.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(png, await response.Content.ReadAsByteArrayAsync());
            Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
            // spec: "If the media being downloaded is remote, the remote server's filename ... is used".
            Assert.Equal("inline", response.Content.Headers.ContentDisposition!.DispositionType);
            Assert.Equal("kätzchen.png", response.Content.Headers.ContentDisposition.FileNameStar);
            Assert.Contains("sandbox", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

            // The file name in the path wins; the legacy endpoint serves remote media too while not frozen.
            var renamed = await bob.GetAsync($"{path}/other.png");
            Assert.Equal(png, await renamed.Content.ReadAsByteArrayAsync());
            Assert.Equal("other.png", renamed.Content.Headers.ContentDisposition!.FileName!.Trim('"'));
            var legacy = await b.Http.GetAsync($"/_matrix/media/v3/download/{a.ServerName}/{mediaId}");
            Assert.Equal(png, await legacy.Content.ReadAsByteArrayAsync());
            Assert.Equal(1, FetchCount(b));

            // Thumbnails are asked from the origin, per size and method.
            var crop = await bob.GetAsync($"{Authed}/thumbnail/{a.ServerName}/{mediaId}?width=16&height=16&method=crop");
            Assert.Equal(HttpStatusCode.OK, crop.StatusCode);
            Assert.Equal("image/png", crop.Content.Headers.ContentType!.MediaType);
            Assert.Equal((16, 16), TestImages.PngSize(await crop.Content.ReadAsByteArrayAsync()));
            var scale = await bob.GetAsync($"{Authed}/thumbnail/{a.ServerName}/{mediaId}?width=16&height=16&method=scale");
            Assert.Equal((16, 12), TestImages.PngSize(await scale.Content.ReadAsByteArrayAsync()));
            Assert.Equal(3, FetchCount(b));
        }

        // A is gone: B serves what it cached, and fails over what it did not.
        var bob2 = await b.Server.RegisterAsync();
        var cached = await bob2.GetAsync($"{Authed}/download/{a.ServerName}/{mediaId}");
        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        Assert.Equal(png, await cached.Content.ReadAsByteArrayAsync());
        Assert.Equal("kätzchen.png", cached.Content.Headers.ContentDisposition!.FileNameStar);
        var cachedThumbnail = await bob2.GetAsync($"{Authed}/thumbnail/{a.ServerName}/{mediaId}?width=16&height=16&method=crop");
        Assert.Equal((16, 16), TestImages.PngSize(await cachedThumbnail.Content.ReadAsByteArrayAsync()));
        Assert.Equal(3, FetchCount(b));
        await MatrixAssert.ErrorAsync(await bob2.GetAsync($"{Authed}/thumbnail/{a.ServerName}/{mediaId}?width=8&height=8"), 502, "M_UNKNOWN");
        Assert.Equal(1, FetchCount(b, "error"));
    }

    [Fact]
    public async Task Unknown_not_allowed_and_too_large_remote_media_are_refused()
    {
        await using var a = await FederatedHomeserver.StartAsync(Engine);
        await using var b = await FederatedHomeserver.StartAsync(Engine, c => c with { MaxUploadSize = 1000 });
        var alice = await a.Server.RegisterAsync();
        var bob = await b.Server.RegisterAsync();
        string small = await alice.UploadAsync(new byte[1000], "application/octet-stream", null);
        string big = await alice.UploadAsync(new byte[5000], "application/octet-stream", null);

        await MatrixAssert.ErrorAsync(await bob.GetAsync($"{Authed}/download/{a.ServerName}/doesNotExist"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await bob.GetAsync($"{Authed}/download/{a.ServerName}/{small}?allow_remote=false"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(
            await bob.GetAsync($"{Authed}/thumbnail/{a.ServerName}/{small}?width=8&height=8&allow_remote=false"), 404, "M_NOT_FOUND");
        Assert.Equal((0d, 1d), (FetchCount(b), FetchCount(b, "error")));

        // spec: authed-content-repo.yaml "502: The content is too large for the server to serve".
        await MatrixAssert.ErrorAsync(await bob.GetAsync($"{Authed}/download/{a.ServerName}/{big}"), 502, "M_TOO_LARGE");
        var ok = await bob.GetAsync($"{Authed}/download/{a.ServerName}/{small}");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(1000, (await ok.Content.ReadAsByteArrayAsync()).Length);
        Assert.Null(await b.Host.Database.RemoteMedia.GetAsync(RemoteMediaKey.Original(a.ServerName, big)));

        // Not an image: the origin cannot thumbnail it (spec: thumbnail 400).
        await MatrixAssert.ErrorAsync(await bob.GetAsync($"{Authed}/thumbnail/{a.ServerName}/{small}?width=8&height=8"), 400, "M_UNKNOWN");
    }

    [Fact]
    public async Task Federation_media_endpoints_answer_multipart_to_signed_requests_only()
    {
        await using var a = await FederatedHomeserver.StartAsync(Engine);
        await using var b = await FederatedHomeserver.StartAsync(Engine);
        var alice = await a.Server.RegisterAsync();
        byte[] png = TestImages.Png(40, 30);
        string mediaId = await alice.UploadAsync(png, "image/png", "cat.png");
        string download = $"/_matrix/federation/v1/media/download/{mediaId}";

        var response = await a.SendSignedAsync(HttpMethod.Get, download, b.ServerName, b.SigningKey);
        var (metadata, part, bytes) = await ReadMultipartAsync(response);
        Assert.Equal("{}", metadata);
        Assert.Equal("image/png", part.ContentType);
        var disposition = ContentDispositionHeaderValue.Parse(part.ContentDisposition!);
        Assert.Equal(("inline", "cat.png"), (disposition.DispositionType, disposition.FileName));
        Assert.Equal(png, bytes);

        var thumbnail = await a.SendSignedAsync(HttpMethod.Get, $"/_matrix/federation/v1/media/thumbnail/{mediaId}?width=10&height=10&method=crop",
            b.ServerName, b.SigningKey);
        var (_, thumbPart, thumbBytes) = await ReadMultipartAsync(thumbnail);
        Assert.Equal("image/png", thumbPart.ContentType);
        Assert.Equal((10, 10), TestImages.PngSize(thumbBytes));

        await MatrixAssert.ErrorAsync(await a.SendSignedAsync(HttpMethod.Get, "/_matrix/federation/v1/media/download/nothingHere", b.ServerName, b.SigningKey),
            404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await a.SendSignedAsync(HttpMethod.Get, $"/_matrix/federation/v1/media/thumbnail/{mediaId}?width=0&height=10",
            b.ServerName, b.SigningKey), 400, "M_INVALID_PARAM");
        // Unauthenticated, and signed with a key that is not B's: 401 before anything is served.
        await MatrixAssert.ErrorAsync(await a.Http.GetAsync(download), 401, "M_UNAUTHORIZED");
        var forger = SigningKey.Generate("forged");
        await MatrixAssert.ErrorAsync(await a.SendSignedAsync(HttpMethod.Get, download, b.ServerName, forger), 401, "M_UNAUTHORIZED");
        await MatrixAssert.ErrorAsync(await a.SendSignedAsync(HttpMethod.Get, download, b.ServerName, b.SigningKey,
            signedPathAndQuery: "/_matrix/federation/v1/media/download/other"), 401, "M_UNAUTHORIZED");
    }

    internal static async Task<(string Metadata, MultipartSection Media, byte[] Bytes)> ReadMultipartAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var type = response.Content.Headers.ContentType!;
        Assert.Equal("multipart/mixed", type.MediaType);
        string boundary = type.Parameters.Single(p => p.Name == "boundary").Value!.Trim('"');
        var reader = new MultipartReader(boundary, await response.Content.ReadAsStreamAsync());
        var first = (await reader.ReadNextSectionAsync())!;
        Assert.Equal("application/json", first.ContentType);
        string metadata = await new StreamReader(first.Body).ReadToEndAsync();
        var second = (await reader.ReadNextSectionAsync())!;
        using var bytes = new MemoryStream();
        await second.Body.CopyToAsync(bytes);
        Assert.Null(await reader.ReadNextSectionAsync());
        return (metadata, second, bytes.ToArray());
    }
}

public sealed class RemoteMediaTests_Sqlite : RemoteMediaTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class RemoteMediaTests_Postgres : RemoteMediaTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
