using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.Tests.Support;
using Myelin.Storage;

namespace Myelin.Server.Tests.ClientApi.Media;

public abstract class ThumbnailEndpointTests
{
    private const string Authed = "/_matrix/client/v1/media";

    protected abstract TestEngine Engine { get; }

    [Fact]
    public async Task Thumbnails_follow_the_spec_methods_and_are_cached()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync();
        byte[] original = TestImages.Png(200, 100);
        string id = await UploadAsync(user, original, "image/png");
        string path = $"{Authed}/thumbnail/{server.ServerName.Value}/{id}";

        // scale: fit within the box, keep the aspect ratio.
        var scaled = await GetPngAsync(user, path + "?width=50&height=50&method=scale");
        Assert.Equal((50, 25), TestImages.PngSize(scaled));
        // crop: fill the box, then cut to its aspect.
        var cropped = await GetPngAsync(user, path + "?width=32&height=32&method=crop");
        Assert.Equal((32, 32), TestImages.PngSize(cropped));
        var wide = await GetPngAsync(user, path + "?width=100&height=20&method=crop");
        Assert.Equal((100, 20), TestImages.PngSize(wide));
        // method defaults to scale.
        Assert.Equal((100, 50), TestImages.PngSize(await GetPngAsync(user, path + "?width=100&height=100")));

        // Never upscale: asking for more than the original answers the original itself.
        Assert.Equal(original, await GetPngAsync(user, path + "?width=400&height=400&method=scale"));
        Assert.Equal(original, await GetPngAsync(user, path + "?width=800&height=600&method=crop"));

        // Cached per (media, size, method): the same bytes again, one row stored.
        Assert.Equal(cropped, await GetPngAsync(user, path + "?width=32&height=32&method=crop"));
        var db = server.Services.GetRequiredService<MyelinDatabase>();
        Assert.NotNull(await db.Media.GetThumbnailAsync(id, 32, 32, "crop", false));
        Assert.Null(await db.Media.GetThumbnailAsync(id, 400, 400, "scale", false));

        // The legacy endpoint serves thumbnails without authentication.
        var legacy = await server.Http.GetAsync($"/_matrix/media/v3/thumbnail/{server.ServerName.Value}/{id}?width=50&height=50&method=scale");
        Assert.Equal(scaled, await legacy.Content.ReadAsByteArrayAsync());
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(path + "?width=50&height=50"), 401, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Bad_parameters_and_content_are_refused()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync();
        string serverName = server.ServerName.Value;
        string image = await UploadAsync(user, TestImages.Png(64, 64), "image/png");
        string text = await UploadAsync(user, "just text"u8.ToArray(), "text/plain");
        string bomb = await UploadAsync(user, TestImages.PngHeaderOnly(20_000, 20_000), "image/png");
        string path = $"{Authed}/thumbnail/{serverName}/";

        await MatrixAssert.ErrorAsync(await user.GetAsync(path + image + "?height=10"), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await user.GetAsync(path + image + "?width=10"), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await user.GetAsync(path + image + "?width=-1&height=10"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await user.GetAsync(path + image + "?width=1.5&height=10"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await user.GetAsync(path + image + "?width=10&height=10&method=stretch"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await user.GetAsync(path + image + "?width=10&height=10&animated=maybe"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await user.GetAsync(path + "unknown?width=10&height=10"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await user.GetAsync(path + text + "?width=10&height=10"), 400, "M_UNKNOWN");
        await MatrixAssert.ErrorAsync(await user.GetAsync(path + bomb + "?width=10&height=10"), 413, "M_TOO_LARGE");
        // animated=true on a static image behaves as animated=false.
        Assert.Equal((10, 10), TestImages.PngSize(await GetPngAsync(user, path + image + "?width=10&height=10&animated=true")));
    }

    private static async Task<byte[]> GetPngAsync(TestUser user, string path)
    {
        var response = await user.GetAsync(path);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
        Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("inline", response.Content.Headers.ContentDisposition!.DispositionType);
        return body;
    }

    private static async Task<string> UploadAsync(TestUser user, byte[] content, string contentType)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/_matrix/media/v3/upload");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
        request.Content = new ByteArrayContent(content);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var body = await MatrixAssert.OkAsync(await user.Server.Http.SendAsync(request));
        string uri = body["content_uri"]!.GetValue<string>();
        return uri[(uri.LastIndexOf('/') + 1)..];
    }
}

public sealed class ThumbnailEndpointTests_Sqlite : ThumbnailEndpointTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class ThumbnailEndpointTests_Postgres : ThumbnailEndpointTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
