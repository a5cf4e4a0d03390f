using Myelin.Server.Configuration;

namespace Myelin.Server.Tests.ClientApi.Media;

public sealed class MediaConfigTests : IDisposable
{
    private const string Minimal = """
        server_name: example.org
        public_baseurl: https://example.org/
        database:
          name: sqlite3
        """;

    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("myelin-media-config-").FullName;

    public void Dispose() => System.IO.Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Legacy_media_is_served_by_default_and_can_be_frozen()
    {
        Assert.True(ConfigLoader.Parse(Minimal, _dir).Config.LegacyMediaEnabled);
        Assert.False(ConfigLoader.Parse(Minimal + "\nlegacy_media_enabled: false", _dir).Config.LegacyMediaEnabled);
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Minimal + "\nlegacy_media_enabled: sometimes", _dir));
        Assert.Contains("legacy_media_enabled:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Url_previews_are_off_by_default_with_private_ranges_blacklisted()
    {
        var previews = ConfigLoader.Parse(Minimal, _dir).Config.UrlPreview;
        Assert.False(previews.Enabled);
        Assert.Equal(10L * 1024 * 1024, previews.MaxSpiderSize);
        Assert.Equal(["en"], previews.AcceptLanguage);
        Assert.Empty(previews.IpRangeWhitelist);
        Assert.Empty(previews.UrlBlacklist);
        // Federation's defaults plus 0.0.0.0/8, 240.0.0.0/4 and ::/128.
        Assert.Superset(new HashSet<System.Net.IPNetwork>(MyelinConfig.DefaultIpRangeBlacklist), new HashSet<System.Net.IPNetwork>(previews.IpRangeBlacklist));
        foreach (string address in new[] { "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1", "ff02::1", "224.0.0.1", "255.255.255.255" })
        {
            Assert.Contains(previews.IpRangeBlacklist, n => n.Contains(System.Net.IPAddress.Parse(address)));
        }
        // Enabling without a blacklist keeps the defaults (Synapse would refuse to start).
        var enabled = ConfigLoader.Parse(Minimal + "\nurl_preview_enabled: true", _dir);
        Assert.True(enabled.Config.UrlPreview.Enabled);
        Assert.Equal(UrlPreviewConfig.DefaultIpRangeBlacklist, enabled.Config.UrlPreview.IpRangeBlacklist);
        Assert.Empty(enabled.Warnings);
    }

    [Fact]
    public void Url_preview_keys_are_read_with_Synapse_names()
    {
        var result = ConfigLoader.Parse(Minimal + """

            url_preview_enabled: true
            url_preview_ip_range_blacklist: ["10.0.0.0/8", "fd00::/8", "192.168.1.1"]
            url_preview_ip_range_whitelist: ["10.1.0.0/16"]
            url_preview_url_blacklist:
              - netloc: "*.example.com"
              - scheme: "http"
              - hostname: "intranet"
                path: "^/admin(/|$)"
            max_spider_size: 2M
            url_preview_accept_language: ["en-GB", "en;q=0.9", "fr;q=0.8", "*;q=0.5"]
            """, _dir);
        Assert.Empty(result.Warnings);
        var previews = result.Config.UrlPreview;
        Assert.True(previews.Enabled);
        Assert.Equal([System.Net.IPNetwork.Parse("10.0.0.0/8"), System.Net.IPNetwork.Parse("fd00::/8"), System.Net.IPNetwork.Parse("192.168.1.1/32")], previews.IpRangeBlacklist);
        Assert.Equal([System.Net.IPNetwork.Parse("10.1.0.0/16")], previews.IpRangeWhitelist);
        Assert.Equal(2L * 1024 * 1024, previews.MaxSpiderSize);
        Assert.Equal(["en-GB", "en;q=0.9", "fr;q=0.8", "*;q=0.5"], previews.AcceptLanguage);
        Assert.Equal(3, previews.UrlBlacklist.Count);
        bool Blocked(string url) => previews.UrlBlacklist.Any(r => r.Matches(new Uri(url)));
        Assert.True(Blocked("https://www.example.com/x"));
        Assert.True(Blocked("https://A.B.EXAMPLE.COM/"), "host names match case-insensitively");
        // As Synapse, netloc includes an explicit port; a hostname rule ignores ports.
        Assert.False(Blocked("https://www.example.com:8443/"));
        Assert.False(Blocked("https://example.com/"));
        Assert.True(Blocked("http://matrix.org/"));
        Assert.True(Blocked("https://intranet/admin/users"));
        Assert.True(Blocked("https://intranet/admin"));
        Assert.False(Blocked("https://intranet/administrator"));
        Assert.False(Blocked("https://internet/admin"));
    }

    [Theory]
    [InlineData("url_preview_enabled: maybe", "url_preview_enabled:")]
    [InlineData("url_preview_enabled: true\nurl_preview_ip_range_blacklist: []", "url_preview_ip_range_blacklist: must not be empty")]
    [InlineData("url_preview_ip_range_blacklist: ['10.0.0.0/33']", "url_preview_ip_range_blacklist: '10.0.0.0/33' is not an IP range")]
    [InlineData("url_preview_ip_range_whitelist: ['example.org']", "url_preview_ip_range_whitelist: 'example.org' is not an IP range")]
    [InlineData("url_preview_url_blacklist: [{host: 'x'}]", "url_preview_url_blacklist[0]: 'host' is not a URL part")]
    [InlineData("url_preview_url_blacklist: [{path: '^/(unclosed'}]", "url_preview_url_blacklist[0]: '^/(unclosed' is not a valid regular expression")]
    [InlineData("url_preview_url_blacklist: [{}]", "url_preview_url_blacklist[0]: an entry needs at least one URL part")]
    [InlineData("url_preview_url_blacklist: ['*.example.com']", "url_preview_url_blacklist[0]: expected a mapping")]
    [InlineData("max_spider_size: 10 megabytes", "max_spider_size: expected a size")]
    [InlineData("max_spider_size: 100", "max_spider_size: must be at least 1K")]
    [InlineData("url_preview_accept_language: ['en, fr']", "url_preview_accept_language: 'en, fr' is not a language range")]
    [InlineData("url_preview_accept_language: en", "url_preview_accept_language: expected a list")]
    public void Invalid_url_preview_keys_are_clear_errors(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Minimal + "\n" + yaml, _dir));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
