namespace Myelin.Server.Configuration;

/// <summary>A token bucket: <see cref="BurstCount"/> actions at once, refilled at <see cref="PerSecond"/>.</summary>
public sealed record RateLimitConfig(double PerSecond, double BurstCount);

/// <summary>The <c>rate_limiting</c> section, with Synapse's <c>rc_*</c> names and defaults.</summary>
public sealed record RateLimitingConfig
{
    public bool Enabled { get; init; } = true;
    public RateLimitConfig Message { get; init; } = new(0.2, 10);
    public RateLimitConfig Login { get; init; } = new(0.17, 3);
    public RateLimitConfig Registration { get; init; } = new(0.17, 3);

    /// <summary>Synapse's <c>rc_media_create</c>: media uploads and <c>/media/v1/create</c>, per user.</summary>
    public RateLimitConfig MediaCreate { get; init; } = new(10, 50);

    /// <summary>Synapse's <c>rc_federation</c>: inbound federation requests, per origin server.</summary>
    public FederationRateLimitConfig Federation { get; init; } = new();
}

/// <summary>
/// Synapse's <c>rc_federation</c> and its defaults: per origin server, <see cref="Concurrent"/> requests processed at once,
/// each request beyond <see cref="SleepLimit"/> in a <see cref="WindowSize"/> delayed by <see cref="SleepDelay"/>, and
/// requests refused (429) while more than <see cref="RejectLimit"/> wait.
/// </summary>
public sealed record FederationRateLimitConfig
{
    public TimeSpan WindowSize { get; init; } = TimeSpan.FromSeconds(1);
    public int SleepLimit { get; init; } = 10;
    public TimeSpan SleepDelay { get; init; } = TimeSpan.FromMilliseconds(500);
    public int RejectLimit { get; init; } = 50;
    public int Concurrent { get; init; } = 3;
}
