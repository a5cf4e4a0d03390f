using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.Authentication;
using Myelin.Server.Configuration;
using Myelin.Server.Media;
using Myelin.Server.Tests.Support;
using Myelin.Storage;

namespace Myelin.Server.Tests.ClientApi.Media;

public abstract class MediaEndpointTests
{
    private const string Upload = "/_matrix/media/v3/upload";
    private const string Authed = "/_matrix/client/v1/media";
    private const string Legacy = "/_matrix/media/v3";

    protected abstract TestEngine Engine { get; }

    private Task<TestHomeserver> StartAsync(Func<MyelinConfig, MyelinConfig>? configure = null) =>
        TestHomeserver.StartAsync(Engine, configure);

    [Fact]
    public async Task Uploaded_png_downloads_byte_identical_with_spec_headers()
    {
        await using var server = await StartAsync();
        var user = await server.RegisterAsync();
        byte[] png = TestImages.Png(40, 30);

        var uploaded = await MatrixAssert.OkAsync(await UploadAsync(user, png, "image/png", "cat picture.png"));
        string uri = uploaded["content_uri"]!.GetValue<string>();
        Assert.StartsWith($"mxc://{server.ServerName.Value}/", uri, StringComparison.Ordinal);
        string mediaId = uri[(uri.LastIndexOf('/') + 1)..];
        Assert.Matches("^[A-Za-z0-9_-]+$", mediaId);

        var response = await user.GetAsync($"{Authed}/download/{server.ServerName.Value}/{mediaId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(png, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
        var disposition = response.Content.Headers.ContentDisposition!;
        Assert.Equal("inline", disposition.DispositionType);
        Assert.Equal("cat picture.png", disposition.FileNameStar ?? disposition.FileName!.Trim('"'));
        Assert.Contains("sandbox", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("cross-origin", response.Headers.GetValues("Cross-Origin-Resource-Policy").Single());

        // The file name in the path overrides the uploaded one; non-ASCII names use filename*.
        var renamed = await user.GetAsync($"{Authed}/download/{server.ServerName.Value}/{mediaId}/{Uri.EscapeDataString("kätzchen.png")}");
        Assert.Equal(png, await renamed.Content.ReadAsByteArrayAsync());
        Assert.Equal("kätzchen.png", renamed.Content.Headers.ContentDisposition!.FileNameStar);

        // The legacy unauthenticated endpoint serves too (legacy_media_enabled defaults to true).
        var legacy = await server.Http.GetAsync($"{Legacy}/download/{server.ServerName.Value}/{mediaId}");
        Assert.Equal(png, await legacy.Content.ReadAsByteArrayAsync());

        // Identical bytes are stored once (content-addressed) but get distinct media IDs.
        var again = await MatrixAssert.OkAsync(await UploadAsync(user, png, "image/png", null));
        Assert.NotEqual(uri, again["content_uri"]!.GetValue<string>());
        string storeRoot = Path.Combine(server.Host.Config.MediaStorePath, "content");
        Assert.Single(System.IO.Directory.GetFiles(storeRoot, "*", SearchOption.AllDirectories), f => !f.Contains("incoming", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Html_is_served_as_attachment_and_missing_content_type_as_octet_stream()
    {
        await using var server = await StartAsync();
        var user = await server.RegisterAsync();
        string html = MediaIdOf(await MatrixAssert.OkAsync(await UploadAsync(user, Encoding.UTF8.GetBytes("<script>alert(1)</script>"), "text/html", "x.html")));
        var response = await user.GetAsync($"{Authed}/download/{server.ServerName.Value}/{html}");
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);

        string untyped = MediaIdOf(await MatrixAssert.OkAsync(await UploadAsync(user, [1, 2, 3], null, null)));
        var raw = await user.GetAsync($"{Authed}/download/{server.ServerName.Value}/{untyped}");
        Assert.Equal("application/octet-stream", raw.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", raw.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal([1, 2, 3], await raw.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Too_large_uploads_are_refused_and_config_reports_the_limit()
    {
        await using var server = await StartAsync(c => c with { MaxUploadSize = 1000 });
        var user = await server.RegisterAsync();

        Assert.Equal(1000, (await MatrixAssert.OkAsync(await user.GetAsync(Authed + "/config")))["m.upload.size"]!.GetValue<long>());
        Assert.Equal(1000, (await MatrixAssert.OkAsync(await user.GetAsync(Legacy + "/config")))["m.upload.size"]!.GetValue<long>());
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(Authed + "/config"), 401, "M_MISSING_TOKEN");

        await MatrixAssert.OkAsync(await UploadAsync(user, new byte[1000], "application/octet-stream", null));
        await MatrixAssert.ErrorAsync(await UploadAsync(user, new byte[1001], "application/octet-stream", null), 413, "M_TOO_LARGE");
        // Without a Content-Length (chunked) the limit is enforced while streaming.
        await MatrixAssert.ErrorAsync(await UploadAsync(user, new byte[5000], "application/octet-stream", null, chunked: true), 413, "M_TOO_LARGE");
        Assert.Empty(System.IO.Directory.GetFiles(Path.Combine(server.Host.Config.MediaStorePath, "content", "incoming")));
    }

    [Fact]
    public async Task Uploads_larger_than_the_json_body_limit_are_accepted_up_to_max_upload_size()
    {
        await using var server = await StartAsync(c => c with { MaxRequestBodySize = 4096, MaxUploadSize = 100_000 });
        var user = await server.RegisterAsync();
        byte[] big = new byte[50_000];
        Random.Shared.NextBytes(big);
        string id = MediaIdOf(await MatrixAssert.OkAsync(await UploadAsync(user, big, "application/octet-stream", null, chunked: true)));
        var response = await user.GetAsync($"{Authed}/download/{server.ServerName.Value}/{id}");
        Assert.Equal(big, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Uploading_requires_a_token()
    {
        await using var server = await StartAsync();
        var response = await server.Http.PostAsync(Upload, new ByteArrayContent([1]));
        await MatrixAssert.ErrorAsync(response, 401, "M_MISSING_TOKEN");
        await MatrixAssert.ErrorAsync(await server.Http.PostAsync("/_matrix/media/v1/create", null), 401, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Async_upload_create_then_put_then_download()
    {
        await using var server = await StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        string serverName = server.ServerName.Value;

        var created = await MatrixAssert.OkAsync(await alice.PostAsync("/_matrix/media/v1/create", null));
        string mediaId = MediaIdOf(created);
        long expires = created["unused_expires_at"]!.GetValue<long>();
        Assert.InRange(expires - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), TimeSpan.FromHours(23).TotalMilliseconds, TimeSpan.FromHours(25).TotalMilliseconds);

        // Not uploaded yet: a download waits timeout_ms, then 504 M_NOT_YET_UPLOADED.
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{Authed}/download/{serverName}/{mediaId}?timeout_ms=300"), 504, "M_NOT_YET_UPLOADED");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{Authed}/download/{serverName}/{mediaId}?timeout_ms=soon"), 400, "M_INVALID_PARAM");

        // A waiting download completes once the content arrives.
        var waiting = alice.GetAsync($"{Authed}/download/{serverName}/{mediaId}?timeout_ms=20000");

        await MatrixAssert.ErrorAsync(await PutContentAsync(bob, serverName, mediaId, [9]), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await PutContentAsync(alice, serverName, "doesNotExist", [9]), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await PutContentAsync(alice, "elsewhere.example", mediaId, [9]), 404, "M_NOT_FOUND");
        await MatrixAssert.OkAsync(await PutContentAsync(alice, serverName, mediaId, [4, 5, 6]));
        await MatrixAssert.ErrorAsync(await PutContentAsync(alice, serverName, mediaId, [7]), 409, "M_CANNOT_OVERWRITE_MEDIA");

        var response = await waiting;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([4, 5, 6], await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("a.bin", response.Content.Headers.ContentDisposition!.FileName!.Trim('"'));
    }

    [Fact]
    public async Task Pending_uploads_are_limited_per_user()
    {
        await using var server = await StartAsync();
        var alice = await server.RegisterAsync();
        for (int i = 0; i < MediaService.MaxPendingUploadsPerUser; i++)
        {
            await MatrixAssert.OkAsync(await alice.PostAsync("/_matrix/media/v1/create", null));
        }
        await MatrixAssert.ErrorAsync(await alice.PostAsync("/_matrix/media/v1/create", null), 429, "M_LIMIT_EXCEEDED");
        var bob = await server.RegisterAsync();
        await MatrixAssert.OkAsync(await bob.PostAsync("/_matrix/media/v1/create", null));
    }

    [Fact]
    public async Task Unknown_remote_and_legacy_frozen_media_are_not_found()
    {
        await using var server = await StartAsync(c => c with { LegacyMediaEnabled = false });
        var user = await server.RegisterAsync();
        string serverName = server.ServerName.Value;
        string id = MediaIdOf(await MatrixAssert.OkAsync(await UploadAsync(user, [1], "text/plain", null)));

        await MatrixAssert.ErrorAsync(await user.GetAsync($"{Authed}/download/{serverName}/nothingHere"), 404, "M_NOT_FOUND");
        // Remote media: not fetched with allow_remote=false; an unreachable origin is a 502 (as Synapse answers).
        await MatrixAssert.ErrorAsync(await user.GetAsync($"{Authed}/download/remote.invalid/{id}?allow_remote=false"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await user.GetAsync($"{Authed}/download/remote.invalid/{id}"), 502, "M_UNKNOWN");
        await MatrixAssert.ErrorAsync(await user.GetAsync($"{Authed}/download/remote.invalid/{id}?allow_remote=maybe"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await user.GetAsync($"{Authed}/download/remote.invalid/bad.id"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync($"{Authed}/download/{serverName}/{id}"), 401, "M_MISSING_TOKEN");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync($"{Legacy}/download/{serverName}/{id}"), 404, "M_NOT_FOUND");
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync($"{Authed}/download/{serverName}/{id}")).StatusCode);
    }

    [Fact]
    public async Task Uploads_and_creates_are_rate_limited_per_user()
    {
        await using var server = await StartAsync(c => c with
        {
            RateLimiting = new RateLimitingConfig { Enabled = true, MediaCreate = new RateLimitConfig(0.001, 2) },
        });
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        await MatrixAssert.OkAsync(await UploadAsync(alice, [1], "text/plain", null));
        await MatrixAssert.OkAsync(await alice.PostAsync("/_matrix/media/v1/create", null));
        var limited = await MatrixAssert.ErrorAsync(await UploadAsync(alice, [1], "text/plain", null), 429, "M_LIMIT_EXCEEDED");
        Assert.True(limited["retry_after_ms"]!.GetValue<long>() > 0);
        await MatrixAssert.OkAsync(await UploadAsync(bob, [1], "text/plain", null));
        // rc_media_create is its own bucket: the uploader can still send the message that shares the picture.
        var room = await MatrixAssert.OkAsync(await alice.PostAsync("/_matrix/client/v3/createRoom", new { }));
        await MatrixAssert.OkAsync(await alice.PutAsync(
            $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room["room_id"]!.GetValue<string>())}/send/m.room.message/t1",
            new { msgtype = "m.text", body = "a picture" }));
    }

    [Fact]
    public async Task Guests_may_download_but_not_upload()
    {
        await using var server = await StartAsync(c => c with { AllowGuestAccess = true });
        var user = await server.RegisterAsync();
        string id = MediaIdOf(await MatrixAssert.OkAsync(await UploadAsync(user, [7, 7], "text/plain", null)));
        var registered = await MatrixAssert.OkAsync(await server.Http.PostAsync("/_matrix/client/v3/register?kind=guest",
            new StringContent("{}", Encoding.UTF8, "application/json")));
        var guest = new TestUser(server, Protocol.Identifiers.UserId.Parse(registered["user_id"]!.GetValue<string>()),
            registered["access_token"]!.GetValue<string>(), registered["device_id"]!.GetValue<string>(), "");

        // spec: guest_access.md lists the v1 media download and thumbnail endpoints, not upload.
        var download = await guest.GetAsync($"{Authed}/download/{server.ServerName.Value}/{id}");
        Assert.Equal([7, 7], await download.Content.ReadAsByteArrayAsync());
        await MatrixAssert.ErrorAsync(await UploadAsync(guest, [1], "text/plain", null), 403, "M_GUEST_ACCESS_FORBIDDEN");
    }

    [Fact]
    public async Task Url_previews_are_disabled()
    {
        await using var server = await StartAsync();
        var user = await server.RegisterAsync();
        await MatrixAssert.ErrorAsync(await user.GetAsync(Authed + "/preview_url?url=https%3A%2F%2Fexample.org"), 404, "M_UNRECOGNIZED");
        await MatrixAssert.ErrorAsync(await user.GetAsync(Legacy + "/preview_url?url=https%3A%2F%2Fexample.org"), 404, "M_UNRECOGNIZED");
    }

    [Fact]
    public async Task Admins_quarantine_and_delete_media()
    {
        await using var server = await StartAsync();
        var admin = await server.RegisterAsync();
        var db = server.Services.GetRequiredService<MyelinDatabase>();
        await db.Users.SetAdminAsync(admin.UserId, true);
        server.Services.GetRequiredService<AccessTokenAuthenticator>().EvictUser(admin.UserId);
        var user = await server.RegisterAsync();
        string serverName = server.ServerName.Value;
        string id = MediaIdOf(await MatrixAssert.OkAsync(await UploadAsync(user, [1, 2], "text/plain", null)));
        string other = MediaIdOf(await MatrixAssert.OkAsync(await UploadAsync(user, [3, 4], "text/plain", null)));

        await MatrixAssert.ErrorAsync(await user.PostAsync($"/_synapse/admin/v1/media/quarantine/{serverName}/{id}", null), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await admin.PostAsync($"/_synapse/admin/v1/media/quarantine/{serverName}/unknown", null), 404, "M_NOT_FOUND");
        await MatrixAssert.OkAsync(await admin.PostAsync($"/_synapse/admin/v1/media/quarantine/{serverName}/{id}", null));
        await MatrixAssert.ErrorAsync(await user.GetAsync($"{Authed}/download/{serverName}/{id}"), 404, "M_NOT_FOUND");
        await MatrixAssert.OkAsync(await admin.PostAsync($"/_synapse/admin/v1/media/unquarantine/{serverName}/{id}", null));
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync($"{Authed}/download/{serverName}/{id}")).StatusCode);

        await MatrixAssert.ErrorAsync(await user.DeleteAsync($"/_synapse/admin/v1/media/{serverName}/{other}"), 403, "M_FORBIDDEN");
        var deleted = await MatrixAssert.OkAsync(await admin.DeleteAsync($"/_synapse/admin/v1/media/{serverName}/{other}"));
        Assert.Equal(other, deleted["deleted_media"]![0]!.GetValue<string>());
        Assert.Equal(1, deleted["total"]!.GetValue<int>());
        await MatrixAssert.ErrorAsync(await user.GetAsync($"{Authed}/download/{serverName}/{other}"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await admin.DeleteAsync($"/_synapse/admin/v1/media/{serverName}/{other}"), 404, "M_NOT_FOUND");
    }

    private static string MediaIdOf(JsonObject body)
    {
        string uri = body["content_uri"]!.GetValue<string>();
        return uri[(uri.LastIndexOf('/') + 1)..];
    }

    private static Task<HttpResponseMessage> UploadAsync(TestUser user, byte[] content, string? contentType, string? fileName, bool chunked = false)
    {
        string path = fileName is null ? Upload : Upload + "?filename=" + Uri.EscapeDataString(fileName);
        return SendContentAsync(user, HttpMethod.Post, path, content, contentType, chunked);
    }

    private static Task<HttpResponseMessage> PutContentAsync(TestUser user, string serverName, string mediaId, byte[] content) =>
        SendContentAsync(user, HttpMethod.Put, $"{Upload}/{serverName}/{mediaId}?filename=a.bin", content, "application/octet-stream", false);

    private static Task<HttpResponseMessage> SendContentAsync(TestUser user, HttpMethod method, string path, byte[] content, string? contentType, bool chunked)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
        HttpContent body = chunked ? new StreamContent(new NonSeekableStream(content)) : new ByteArrayContent(content);
        if (contentType is not null)
        {
            body.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        request.Content = body;
        return user.Server.Http.SendAsync(request);
    }

    /// <summary>A stream without a length, so HttpClient sends the body chunked (no Content-Length).</summary>
    private sealed class NonSeekableStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}

public sealed class MediaEndpointTests_Sqlite : MediaEndpointTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class MediaEndpointTests_Postgres : MediaEndpointTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
