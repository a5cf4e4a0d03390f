using System.Text.Json.Nodes;
using Myelin.Server.Configuration;
using Myelin.Server.Federation;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Configuration;

/// <summary><c>key_refresh_interval</c> and the <c>federation:</c> section (docs/configuration.md "Federation").</summary>
public sealed class FederationConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("myelin-federation-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Federation_settings_are_read_with_defaults_and_bad_values_reported()
    {
        Assert.Equal(new FederationOptions(), ConfigLoader.Parse("server_name: example.org\n", _dir).Config.Federation);

        var result = ConfigLoader.Parse("""
            server_name: example.org
            key_refresh_interval: 2d
            federation:
              client_timeout: 45s
              destination_min_retry_interval: 10m
              destination_max_retry_interval: 1d
              max_response_size: 32M
              catch_up_threshold: 0
            """, _dir);
        Assert.Empty(result.Warnings);
        var federation = result.Config.Federation;
        Assert.Equal(TimeSpan.FromDays(2), federation.KeyValidityPeriod);
        Assert.Equal(TimeSpan.FromSeconds(45), federation.RequestTimeout);
        Assert.Equal(TimeSpan.FromMinutes(10), federation.OutboundRetryInitial);
        Assert.Equal(TimeSpan.FromDays(1), federation.OutboundRetryMax);
        Assert.Equal(32L * 1024 * 1024, federation.MaxResponseSize);
        Assert.Equal(0, federation.OutboundCatchUpThreshold);

        // spec: keys_server.yaml — keys should not expire within an hour: allowed, but warned about.
        var shortKeys = ConfigLoader.Parse("server_name: example.org\nkey_refresh_interval: 10m\n", _dir);
        Assert.Contains(shortKeys.Warnings, w => w.Contains("key_refresh_interval", StringComparison.Ordinal));

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("""
            server_name: example.org
            key_refresh_interval: 0
            federation:
              client_timeout: soon
              destination_min_retry_interval: 2h
              destination_max_retry_interval: 1h
              max_response_size: 1K
              catch_up_threshold: -1
            """, _dir));
        foreach (string key in new[] { "key_refresh_interval", "federation.client_timeout", "federation.destination_min_retry_interval",
                     "federation.max_response_size", "federation.catch_up_threshold" })
        {
            Assert.Contains(key, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Rc_federation_is_read_with_synapses_defaults()
    {
        var defaults = ConfigLoader.Parse("server_name: example.org\n", _dir).Config.RateLimiting.Federation;
        Assert.Equal(new FederationRateLimitConfig(), defaults);
        Assert.Equal((TimeSpan.FromSeconds(1), 10, TimeSpan.FromMilliseconds(500), 50, 3),
            (defaults.WindowSize, defaults.SleepLimit, defaults.SleepDelay, defaults.RejectLimit, defaults.Concurrent));

        var set = ConfigLoader.Parse("""
            server_name: example.org
            rate_limiting:
              rc_federation:
                window_size: 2s
                sleep_limit: 20
                sleep_delay: 250ms
                reject_limit: 100
                concurrent: 5
            """, _dir);
        Assert.Empty(set.Warnings);
        var federation = set.Config.RateLimiting.Federation;
        Assert.Equal((TimeSpan.FromSeconds(2), 20, TimeSpan.FromMilliseconds(250), 100, 5),
            (federation.WindowSize, federation.SleepLimit, federation.SleepDelay, federation.RejectLimit, federation.Concurrent));

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("""
            server_name: example.org
            rate_limiting:
              rc_federation:
                window_size: 0
                concurrent: 0
            """, _dir));
        Assert.Contains("rate_limiting.rc_federation.window_size", e.Message, StringComparison.Ordinal);
        Assert.Contains("rate_limiting.rc_federation.concurrent", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_refresh_interval_sets_the_valid_until_ts_of_the_published_keys()
    {
        await using var server = await TestHomeserver.StartAsync(configure: c => c with
        {
            Federation = c.Federation with { KeyValidityPeriod = TimeSpan.FromHours(3) },
        });
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var keys = JsonNode.Parse(await server.Http.GetStringAsync("/_matrix/key/v2/server"))!;
        long validUntil = keys["valid_until_ts"]!.GetValue<long>();
        Assert.InRange(validUntil - now, (long)TimeSpan.FromHours(3).TotalMilliseconds - 60_000, (long)TimeSpan.FromHours(3).TotalMilliseconds + 60_000);
    }
}
