namespace Myelin.Server.Federation;

/// <summary>
/// Federation tunables that are not (yet) config keys; registered in DI with these defaults and replaceable
/// through <c>MyelinHostOptions.ConfigureServices</c>. See docs/federation.md.
/// </summary>
public sealed record FederationOptions
{
    /// <summary>
    /// How long our published keys are valid (<c>valid_until_ts</c> = now + this). One day, like Synapse's
    /// <c>key_refresh_interval</c>: short enough that a rotated key stops being trusted soon, long enough that
    /// remote servers rarely refetch. spec: keys_server "Originating servers should avoid returning responses
    /// that expire in less than an hour".
    /// </summary>
    public TimeSpan KeyValidityPeriod { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Timeout for one outbound federation request.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest response body accepted from a remote server.</summary>
    public long MaxResponseSize { get; init; } = 16L * 1024 * 1024;

    /// <summary>After a failed key fetch, how long before the same server is asked again for an unknown key.</summary>
    public TimeSpan KeyFetchFailureBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Port of <c>/.well-known/matrix/server</c> lookups (443 per RFC 8615; tests change it).</summary>
    public int WellKnownPort { get; init; } = 443;
}
