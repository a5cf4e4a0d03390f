using Myelin.Load.Client;

namespace Myelin.Load.Tests;

public class TargetUrlTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8008")]
    [InlineData("http://127.5.6.7:1234/")]
    [InlineData("http://[::1]:8008")]
    [InlineData("http://localhost:8008")]
    [InlineData("https://LOCALHOST/")]
    [InlineData("http://[::ffff:127.0.0.1]:8008")]
    public void Loopback_urls_are_allowed_without_allow_remote(string url)
    {
        var target = TargetUrl.TryCreate(url, allowRemote: false, urlGivenExplicitly: true, out string? error);
        Assert.Null(error);
        Assert.NotNull(target);
        Assert.EndsWith("/", target.BaseUrl.AbsoluteUri, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://example.com:8008")]
    [InlineData("http://10.0.0.1:8008")]
    [InlineData("http://128.0.0.1:8008")]
    [InlineData("http://0.0.0.0:8008")]
    [InlineData("http://[::2]:8008")]
    [InlineData("http://localhost.example.com:8008")]
    [InlineData("http://127.0.0.1.nip.io:8008")]
    public void Remote_urls_are_refused_without_allow_remote(string url)
    {
        var target = TargetUrl.TryCreate(url, allowRemote: false, urlGivenExplicitly: true, out string? error);
        Assert.Null(target);
        Assert.Contains("--allow-remote", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Allow_remote_accepts_an_explicit_remote_url()
    {
        var target = TargetUrl.TryCreate("https://matrix.example.com/base", allowRemote: true, urlGivenExplicitly: true, out string? error);
        Assert.Null(error);
        Assert.Equal("https://matrix.example.com/base/", target!.BaseUrl.AbsoluteUri);
    }

    [Fact]
    public void Allow_remote_without_an_explicit_url_is_refused()
    {
        var target = TargetUrl.TryCreate("http://127.0.0.1:8008", allowRemote: true, urlGivenExplicitly: false, out string? error);
        Assert.Null(target);
        Assert.Contains("explicit --url", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/")]
    [InlineData("127.0.0.1:8008")]
    [InlineData("http://127.0.0.1:8008/?x=1")]
    [InlineData("http://user:pw@127.0.0.1:8008/")]
    [InlineData("not a url")]
    public void Malformed_urls_are_refused(string url)
    {
        Assert.Null(TargetUrl.TryCreate(url, allowRemote: true, urlGivenExplicitly: true, out string? error));
        Assert.NotNull(error);
    }
}
