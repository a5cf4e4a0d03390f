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
    public void Url_previews_cannot_be_enabled()
    {
        ConfigLoader.Parse(Minimal + "\nurl_preview_enabled: false", _dir);
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Minimal + "\nurl_preview_enabled: true", _dir));
        Assert.Contains("url_preview_enabled:", e.Message, StringComparison.Ordinal);
    }
}
