using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.Configuration;
using Myelin.Server.Http;
using Myelin.Server.Tests.Hosting;

namespace Myelin.Server.Tests.Http;

public sealed class RateLimiterTests
{
    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    private static RateLimitingConfig Config(double perSecond, double burst) =>
        new() { Message = new RateLimitConfig(perSecond, burst) };

    [Fact]
    public void Allows_a_burst_then_refuses_with_the_time_until_the_next_token()
    {
        var time = new ManualTime();
        var limiter = new RateLimiter(Config(0.5, 3), time);

        for (int i = 0; i < 3; i++)
        {
            Assert.True(limiter.TryAcquire(RateLimitAction.Message, "@alice:test", out _));
        }
        Assert.False(limiter.TryAcquire(RateLimitAction.Message, "@alice:test", out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(2), retryAfter);

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(limiter.TryAcquire(RateLimitAction.Message, "@alice:test", out _));
        Assert.False(limiter.TryAcquire(RateLimitAction.Message, "@alice:test", out _));
    }

    [Fact]
    public void Buckets_are_per_key_and_per_action()
    {
        var limiter = new RateLimiter(Config(0.1, 1) with { Login = new RateLimitConfig(0.1, 1) }, new ManualTime());

        Assert.True(limiter.TryAcquire(RateLimitAction.Message, "@alice:test", out _));
        Assert.False(limiter.TryAcquire(RateLimitAction.Message, "@alice:test", out _));
        Assert.True(limiter.TryAcquire(RateLimitAction.Message, "@bob:test", out _));
        Assert.True(limiter.TryAcquire(RateLimitAction.Login, "@alice:test", out _));
    }

    [Fact]
    public void Refill_never_exceeds_the_burst()
    {
        var time = new ManualTime();
        var limiter = new RateLimiter(Config(1, 2), time);
        time.Advance(TimeSpan.FromHours(1));

        Assert.True(limiter.TryAcquire(RateLimitAction.Message, "k", out _));
        Assert.True(limiter.TryAcquire(RateLimitAction.Message, "k", out _));
        Assert.False(limiter.TryAcquire(RateLimitAction.Message, "k", out _));
    }

    [Fact]
    public void Disabled_rate_limiting_allows_everything()
    {
        var limiter = new RateLimiter(Config(0.001, 1) with { Enabled = false }, new ManualTime());

        for (int i = 0; i < 100; i++)
        {
            limiter.Acquire(RateLimitAction.Message, "k");
        }
    }

    [Fact]
    public async Task Endpoint_over_its_limit_answers_429_M_LIMIT_EXCEEDED_per_client_address()
    {
        await using var server = await TestServer.StartAsync(
            c => c with { RateLimiting = new RateLimitingConfig { Registration = new RateLimitConfig(0.01, 2) } },
            e => e.MapPost("/_test/register", (HttpContext http, RateLimiter limiter) =>
            {
                limiter.Acquire(RateLimitAction.Registration, RateLimiter.KeyFor(http));
                return MatrixResults.EmptyObject();
            }));

        var statuses = new List<HttpStatusCode>();
        string? lastBody = null;
        for (int i = 0; i < 3; i++)
        {
            using var response = await server.Client.PostAsync("/_test/register", null);
            statuses.Add(response.StatusCode);
            lastBody = await response.Content.ReadAsStringAsync();
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        using var body = JsonDocument.Parse(lastBody!);
        Assert.Equal("M_LIMIT_EXCEEDED", body.RootElement.GetProperty("errcode").GetString());
        Assert.InRange(body.RootElement.GetProperty("retry_after_ms").GetInt64(), 90_000, 100_000);
        Assert.NotNull(server.Host.Services.GetService<RateLimiter>());
    }
}
