using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;

namespace Myelin.Server.Http;

/// <summary>
/// Token buckets per (action, user or client address), configured from <c>rate_limiting</c>. Endpoints call
/// <see cref="Acquire"/>, which throws <c>429 M_LIMIT_EXCEEDED</c> with <c>retry_after_ms</c> when the bucket is empty.
/// spec: client-server "Rate limiting".
/// </summary>
public sealed class RateLimiter
{
    // Sweep full buckets once the table grows past this, so one-off addresses do not accumulate.
    private const int SweepThreshold = 10_000;

    private readonly RateLimitingConfig _config;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(RateLimitAction Action, string Key), Bucket> _buckets = new();

    public RateLimiter(RateLimitingConfig config, TimeProvider time)
    {
        _config = config;
        _time = time;
    }

    /// <summary>The bucket key for an authenticated user.</summary>
    public static string KeyFor(UserId user) => user.Value;

    /// <summary>The bucket key for an unauthenticated client: its address (after <c>x_forwarded</c> handling).</summary>
    public static string KeyFor(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>Takes one token or throws <see cref="MatrixException.LimitExceeded"/>.</summary>
    public void Acquire(RateLimitAction action, string key)
    {
        if (!TryAcquire(action, key, out var retryAfter))
        {
            throw MatrixException.LimitExceeded(retryAfter);
        }
    }

    /// <summary>Takes one token if one is available; otherwise says how long until one is.</summary>
    public bool TryAcquire(RateLimitAction action, string key, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_config.Enabled)
        {
            return true;
        }
        var settings = SettingsFor(action);
        long now = _time.GetTimestamp();
        if (_buckets.Count > SweepThreshold)
        {
            Sweep(now);
        }
        var bucket = _buckets.GetOrAdd((action, key), static (_, state) => new Bucket(state.BurstCount, state.Now), (settings.BurstCount, Now: now));
        lock (bucket)
        {
            bucket.Refill(now, settings, _time);
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                return true;
            }
            retryAfter = TimeSpan.FromSeconds((1 - bucket.Tokens) / settings.PerSecond);
            return false;
        }
    }

    private RateLimitConfig SettingsFor(RateLimitAction action) => action switch
    {
        RateLimitAction.Message => _config.Message,
        RateLimitAction.Login => _config.Login,
        RateLimitAction.Registration => _config.Registration,
        RateLimitAction.MediaCreate => _config.MediaCreate,
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    private void Sweep(long now)
    {
        foreach (var (key, bucket) in _buckets)
        {
            lock (bucket)
            {
                bucket.Refill(now, SettingsFor(key.Action), _time);
                if (bucket.Tokens >= SettingsFor(key.Action).BurstCount)
                {
                    _buckets.TryRemove(key, out _);
                }
            }
        }
    }

    private sealed class Bucket(double tokens, long updated)
    {
        public double Tokens { get; set; } = tokens;

        private long _updated = updated;

        public void Refill(long now, RateLimitConfig settings, TimeProvider time)
        {
            double elapsed = time.GetElapsedTime(_updated, now).TotalSeconds;
            if (elapsed > 0)
            {
                Tokens = Math.Min(settings.BurstCount, Tokens + elapsed * settings.PerSecond);
                _updated = now;
            }
        }
    }
}
