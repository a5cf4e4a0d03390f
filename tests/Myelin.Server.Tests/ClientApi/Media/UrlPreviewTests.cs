using System.Net;
using System.Text;
using Myelin.Server.Configuration;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Media;

/// <summary>
/// GET /_matrix/client/v1/media/preview_url against a real web site on loopback. Loopback is blocked by the default
/// url_preview_ip_range_blacklist, so most tests whitelist 127.0.0.1/32 — and the SSRF tests show what the
/// defaults (and a redirect to a non-whitelisted loopback address) do.
/// </summary>
public abstract class UrlPreviewTests
{
    private const string Authed = "/_matrix/client/v1/media";
    private const string Legacy = "/_matrix/media/v3";
    private static readonly IPAddress Secondary = IPAddress.Parse("127.0.0.2");

    protected abstract TestEngine Engine { get; }

    private Task<TestHomeserver> StartAsync(Func<UrlPreviewConfig, UrlPreviewConfig>? configure = null) =>
        TestHomeserver.StartAsync(Engine, c =>
        {
            var previews = new UrlPreviewConfig { Enabled = true, IpRangeWhitelist = [IPNetwork.Parse("127.0.0.1/32")] };
            return c with { UrlPreview = configure?.Invoke(previews) ?? previews };
        });

    private static Task<HttpResponseMessage> PreviewAsync(TestUser user, string url, string prefix = Authed) =>
        user.GetAsync($"{prefix}/preview_url?url={Uri.EscapeDataString(url)}");

    private static string Url(Uri site, string path) => new Uri(site, path).AbsoluteUri;

    [Fact]
    public async Task Previews_are_off_by_default()
    {
        await using var site = await TestWebSite.StartAsync();
        site.Serve("/page", "text/html", "<title>x</title>"u8.ToArray());
        await using var server = await TestHomeserver.StartAsync(Engine, c => c with { IpRangeWhitelist = [IPNetwork.Parse("127.0.0.1/32")] });
        var user = await server.RegisterAsync();
        await MatrixAssert.ErrorAsync(await PreviewAsync(user, Url(site.Primary, "/page")), 404, "M_UNRECOGNIZED");
        await MatrixAssert.ErrorAsync(await PreviewAsync(user, Url(site.Primary, "/page"), Legacy), 404, "M_UNRECOGNIZED");
        Assert.Equal(0, site.Hits("/page"));
    }

    [Fact]
    public async Task Default_blacklist_refuses_loopback_and_unspecified_addresses_without_connecting()
    {
        await using var site = await TestWebSite.StartAsync();
        site.Serve("/page", "text/html", "<title>internal</title>"u8.ToArray());
        // The defaults: enabled, nothing whitelisted (federation's ip_range_whitelist does not apply to previews).
        await using var server = await TestHomeserver.StartAsync(Engine, c => c with
        {
            UrlPreview = new UrlPreviewConfig { Enabled = true },
            IpRangeWhitelist = [IPNetwork.Parse("127.0.0.0/8")],
        });
        var user = await server.RegisterAsync();
        int port = site.Primary.Port;
        foreach (string url in new[]
        {
            $"http://127.0.0.1:{port}/page",
            $"http://localhost:{port}/page",
            $"http://[::ffff:127.0.0.1]:{port}/page",
            $"http://[::1]:{port}/page",
            $"http://0.0.0.0:{port}/page",
            $"http://2130706433:{port}/page",
        })
        {
            var error = await MatrixAssert.ErrorAsync(await PreviewAsync(user, url), 403, "M_FORBIDDEN");
            Assert.Contains("IP address blocked", error["error"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        Assert.Equal(0, site.Hits("/page"));
    }

    [Fact]
    public async Task Redirect_from_an_allowed_host_to_a_blocked_address_is_refused()
    {
        await using var site = await TestWebSite.StartAsync();
        site.Serve("/internal", "text/html", "<title>internal admin panel</title>"u8.ToArray());
        site.Redirect("/out", new Uri(site.Secondary, "/internal"));
        await using (var server = await StartAsync())
        {
            var user = await server.RegisterAsync();
            await MatrixAssert.ErrorAsync(await PreviewAsync(user, Url(site.Primary, "/out")), 403, "M_FORBIDDEN");
            Assert.Equal(1, site.Hits("/out"));
            Assert.Equal(0, site.Hits("/internal", Secondary));
        }

        // Control: once 127.0.0.2 is whitelisted too, the same redirect is followed — so the refusal above was the filter's.
        await using (var server = await StartAsync(p => p with { IpRangeWhitelist = [IPNetwork.Parse("127.0.0.1/32"), IPNetwork.Parse("127.0.0.2/32")] }))
        {
            var user = await server.RegisterAsync();
            var preview = await MatrixAssert.OkAsync(await PreviewAsync(user, Url(site.Primary, "/out")));
            Assert.Equal("internal admin panel", preview["og:title"]!.GetValue<string>());
            Assert.Equal(1, site.Hits("/internal", Secondary));
        }
    }

    [Fact]
    public async Task OpenGraph_page_is_previewed_with_its_image_stored_as_local_media()
    {
        await using var site = await TestWebSite.StartAsync();
        byte[] png = TestImages.Png(40, 30);
        site.Serve("/img/cat.png", "image/png", png);
        site.Serve("/article", "text/html; charset=utf-8", Encoding.UTF8.GetBytes("""
            <!doctype html>
            <html><head>
              <title>Ignored title</title>
              <meta property="og:title" content="  Matrix   Blog Post ">
              <meta property="og:description" content="This is a really cool blog post">
              <meta property="og:type" content="article">
              <meta property="og:image" content="/img/cat.png">
              <meta property="og:image:width" content="1200">
              <meta property="og:image:secure_url" content="https://cdn.example/cat.png">
            </head><body><img src="/other.png" width="500" height="500"></body></html>
            """));
        await using var server = await StartAsync();
        var user = await server.RegisterAsync();

        var preview = await MatrixAssert.OkAsync(await PreviewAsync(user, Url(site.Primary, "/article") + "#comments"));
        Assert.Equal("Matrix Blog Post", preview["og:title"]!.GetValue<string>());
        Assert.Equal("This is a really cool blog post", preview["og:description"]!.GetValue<string>());
        Assert.Equal("article", preview["og:type"]!.GetValue<string>());
        string mxc = preview["og:image"]!.GetValue<string>();
        Assert.StartsWith($"mxc://{server.ServerName.Value}/", mxc, StringComparison.Ordinal);
        Assert.Equal("image/png", preview["og:image:type"]!.GetValue<string>());
        Assert.Equal(40, preview["og:image:width"]!.GetValue<int>());
        Assert.Equal(30, preview["og:image:height"]!.GetValue<int>());
        Assert.Equal(png.Length, preview["matrix:image:size"]!.GetValue<long>());
        Assert.Null(preview["og:image:secure_url"]);

        // The image is served by us, byte-identical.
        var download = await user.GetAsync($"{Authed}/download/{mxc["mxc://".Length..]}");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(png, await download.Content.ReadAsByteArrayAsync());

        // Cached: the legacy endpoint (authenticated too) answers the same without fetching again; the fragment is not part of the key.
        var again = await MatrixAssert.OkAsync(await PreviewAsync(user, Url(site.Primary, "/article"), Legacy));
        Assert.Equal(mxc, again["og:image"]!.GetValue<string>());
        Assert.Equal(1, site.Hits("/article"));
        Assert.Equal(1, site.Hits("/img/cat.png"));
    }

    [Fact]
    public async Task Page_without_OpenGraph_falls_back_to_title_description_and_first_image()
    {
        await using var site = await TestWebSite.StartAsync();
        site.Serve("/plain", "text/html", "<html><head><title>Just a title</title></head><body><p>Hello</p></body></html>"u8.ToArray());
        site.Serve("/described", "text/html", Encoding.UTF8.GetBytes("""
            <html><head><title>Shop</title><meta name="description" content="Things for sale"></head>
            <body><img src="spacer.gif" width="1" height="1"><img src="images/big.png" width="400" height="300"></body></html>
            """));
        byte[] png = TestImages.Png(8, 6);
        site.Serve("/images/big.png", "image/png", png);
        await using var server = await StartAsync();
        var user = await server.RegisterAsync();

        var plain = await MatrixAssert.OkAsync(await PreviewAsync(user, Url(site.Primary, "/plain")));
        Assert.Equal("Just a title", plain["og:title"]!.GetValue<string>());
        Assert.Equal("Hello", plain["og:description"]!.GetValue<string>());
        Assert.Null(plain["og:image"]);

        var described = await MatrixAssert.OkAsync(await PreviewAsync(user, Url(site.Primary, "/described")));
        Assert.Equal("Shop", described["og:title"]!.GetValue<string>());
        Assert.Equal("Things for sale", described["og:description"]!.GetValue<string>());
        Assert.StartsWith("mxc://", described["og:image"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(8, described["og:image:width"]!.GetValue<int>());
        Assert.Equal(0, site.Hits("/spacer.gif"));
    }

    [Fact]
    public async Task Legacy_charsets_are_decoded_from_meta_or_header()
    {
        await using var site = await TestWebSite.StartAsync();
        var cp1252 = CodePages(1252);
        // windows-1252 declared in <meta charset>; the en dash is 0x96, only in windows-1252.
        site.Serve("/meta", "text/html", cp1252.GetBytes("<html><head><meta charset=\"windows-1252\"><title>Café – crème brûlée</title></head></html>"));
        // ISO-8859-1 via http-equiv (decoded as windows-1252, as browsers do).
        site.Serve("/equiv", "text/html",
            cp1252.GetBytes("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\"><title>Grüße aus Köln</title></head></html>"));
        // The Content-Type header wins over a contradicting meta.
        site.Serve("/header", "text/html; charset=windows-1252", cp1252.GetBytes("<html><head><meta charset=\"utf-8\"><title>Señor</title></head></html>"));
        await using var server = await StartAsync();
        var user = await server.RegisterAsync();

        Assert.Equal("Café – crème brûlée", (await MatrixAssert.OkAsync(await PreviewAsync(user, Url(site.Primary, "/meta"))))["og:title"]!.GetValue<string>());
        Assert.Equal("Grüße aus Köln", (await MatrixAssert.OkAsync(await PreviewAsync(user, Url(site.Primary, "/equiv"))))["og:title"]!.GetValue<string>());
        Assert.Equal("Señor", (await MatrixAssert.OkAsync(await PreviewAsync(user, Url(site.Primary, "/header"))))["og:title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Image_url_is_stored_and_described()
    {
        await using var site = await TestWebSite.StartAsync();
        byte[] png = TestImages.Png(64, 48);
        site.Serve("/photos/sunset.png", "image/png", png);
        await using var server = await StartAsync();
        var user = await server.RegisterAsync();

        var preview = await MatrixAssert.OkAsync(await PreviewAsync(user, Url(site.Primary, "/photos/sunset.png")));
        string mxc = preview["og:image"]!.GetValue<string>();
        Assert.StartsWith($"mxc://{server.ServerName.Value}/", mxc, StringComparison.Ordinal);
        Assert.Equal("image/png", preview["og:image:type"]!.GetValue<string>());
        Assert.Equal(64, preview["og:image:width"]!.GetValue<int>());
        Assert.Equal(48, preview["og:image:height"]!.GetValue<int>());
        Assert.Equal(png.Length, preview["matrix:image:size"]!.GetValue<long>());
        Assert.Equal("sunset.png", preview["og:description"]!.GetValue<string>());
        var download = await user.GetAsync($"{Authed}/download/{mxc["mxc://".Length..]}");
        Assert.Equal(png, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Bodies_over_max_spider_size_fail_without_reading_on()
    {
        await using var site = await TestWebSite.StartAsync();
        site.Serve("/big", "text/html", Encoding.UTF8.GetBytes("<title>big</title>" + new string('x', 100_000)));
        site.Serve("/endless", async context =>
        {
            // No Content-Length and no end: only the cap can stop the read (else the 30 s fetch timeout would).
            context.Response.ContentType = "text/html";
            byte[] chunk = Encoding.ASCII.GetBytes(new string('y', 8192));
            var until = DateTime.UtcNow.AddSeconds(40);
            try
            {
                while (!context.RequestAborted.IsCancellationRequested && DateTime.UtcNow < until)
                {
                    await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
            }
        });
        byte[] bigImage = System.Security.Cryptography.RandomNumberGenerator.GetBytes(100_000);
        site.Serve("/huge.png", "image/png", bigImage);
        site.Serve("/with-huge-image", "text/html", Encoding.UTF8.GetBytes("<title>t</title><meta property=\"og:image\" content=\"/huge.png\">"));
        await using var server = await StartAsync(p => p with { MaxSpiderSize = 64 * 1024 });
        var user = await server.RegisterAsync();
        Assert.True(bigImage.Length > 64 * 1024);

        var big = await MatrixAssert.ErrorAsync(await PreviewAsync(user, Url(site.Primary, "/big")), 502, "M_UNKNOWN");
        Assert.Contains("max_spider_size", big["error"]!.GetValue<string>(), StringComparison.Ordinal);
        var started = DateTime.UtcNow;
        var endless = await MatrixAssert.ErrorAsync(await PreviewAsync(user, Url(site.Primary, "/endless")), 502, "M_UNKNOWN");
        Assert.Contains("max_spider_size", endless["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20), "the endless body was cut at the cap, not by the fetch timeout");
        // An oversized og:image is dropped; the page is still previewed.
        var preview = await MatrixAssert.OkAsync(await PreviewAsync(user, Url(site.Primary, "/with-huge-image")));
        Assert.Equal("t", preview["og:title"]!.GetValue<string>());
        Assert.Null(preview["og:image"]);
    }

    [Fact]
    public async Task Parameters_are_validated()
    {
        await using var site = await TestWebSite.StartAsync();
        site.Serve("/page", "text/html", "<title>ok</title>"u8.ToArray());
        await using var server = await StartAsync();
        var user = await server.RegisterAsync();

        await MatrixAssert.ErrorAsync(await server.Http.GetAsync($"{Authed}/preview_url?url=https%3A%2F%2Fexample.org"), 401, "M_MISSING_TOKEN");
        await MatrixAssert.ErrorAsync(await user.GetAsync($"{Authed}/preview_url"), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await user.GetAsync($"{Authed}/preview_url?url="), 400, "M_MISSING_PARAM");
        foreach (string bad in new[] { "not a url", "/relative/path", "ftp://example.org/file", "file:///etc/passwd", "javascript:alert(1)", "http://" })
        {
            await MatrixAssert.ErrorAsync(await PreviewAsync(user, bad), 400, "M_INVALID_PARAM");
        }
        string page = Uri.EscapeDataString(Url(site.Primary, "/page"));
        await MatrixAssert.ErrorAsync(await user.GetAsync($"{Authed}/preview_url?url={page}&ts=yesterday"), 400, "M_INVALID_PARAM");
        var preview = await MatrixAssert.OkAsync(await user.GetAsync($"{Authed}/preview_url?url={page}&ts=1510610716656"));
        Assert.Equal("ok", preview["og:title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Url_blacklist_blocks_requests_and_redirects()
    {
        await using var site = await TestWebSite.StartAsync();
        site.Serve("/secret/page", "text/html", "<title>secret</title>"u8.ToArray());
        site.Serve("/public", "text/html", "<title>public</title>"u8.ToArray());
        site.Redirect("/to-secret", new Uri(site.Primary, "/secret/page"));
        var rule = UrlPreviewUrlRule.TryCreate(new Dictionary<string, string> { ["hostname"] = "127.0.0.*", ["path"] = "/secret/*" }, out _)!;
        await using var server = await StartAsync(p => p with { UrlBlacklist = [rule] });
        var user = await server.RegisterAsync();

        await MatrixAssert.ErrorAsync(await PreviewAsync(user, Url(site.Primary, "/secret/page")), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await PreviewAsync(user, Url(site.Primary, "/to-secret")), 403, "M_FORBIDDEN");
        Assert.Equal(0, site.Hits("/secret/page"));
        Assert.Equal("public", (await MatrixAssert.OkAsync(await PreviewAsync(user, Url(site.Primary, "/public"))))["og:title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Other_content_is_an_empty_preview_and_errors_are_502()
    {
        await using var site = await TestWebSite.StartAsync();
        site.Serve("/doc.pdf", "application/pdf", "%PDF-1.4"u8.ToArray());
        site.Redirect("/loop", new Uri(site.Primary, "/loop"));
        await using var server = await StartAsync();
        var user = await server.RegisterAsync();

        Assert.Empty(await MatrixAssert.OkAsync(await PreviewAsync(user, Url(site.Primary, "/doc.pdf"))));
        await MatrixAssert.ErrorAsync(await PreviewAsync(user, Url(site.Primary, "/missing")), 502, "M_UNKNOWN");
        await MatrixAssert.ErrorAsync(await PreviewAsync(user, Url(site.Primary, "/loop")), 502, "M_UNKNOWN");
        Assert.Equal(6, site.Hits("/loop"));
        // A port nothing listens on (connection refused).
        await MatrixAssert.ErrorAsync(await PreviewAsync(user, "http://127.0.0.1:1/"), 502, "M_UNKNOWN");
    }

    private static Encoding CodePages(int codePage)
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(codePage);
    }
}

public sealed class UrlPreviewTests_Sqlite : UrlPreviewTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class UrlPreviewTests_Postgres : UrlPreviewTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
