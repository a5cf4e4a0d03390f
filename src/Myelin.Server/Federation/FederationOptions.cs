namespace Myelin.Server.Federation;

/// <summary>
/// Federation tunables. Some are config keys (<c>key_refresh_interval</c>, the <c>federation:</c> section; see
/// ConfigLoader.ReadFederation and docs/configuration.md); all can be replaced through
/// <c>MyelinHostOptions.ConfigureServices</c> (tests do). See docs/federation.md.
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

    /// <summary>
    /// Largest <c>send_join</c> answer accepted: it carries the room's whole state and auth chain, ~0.7 KB per member
    /// (a 30,000-member room answers ~22 MB). Synapse allows 500 MiB (<c>MAX_RESPONSE_SIZE_SEND_JOIN</c>).
    /// </summary>
    public long MaxSendJoinResponseSize { get; init; } = 512L * 1024 * 1024;

    /// <summary>Timeout for <c>send_join</c>: the resident gathers and serialises the whole room state before answering.</summary>
    public TimeSpan SendJoinTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>After a failed key fetch, how long before the same server is asked again for an unknown key.</summary>
    public TimeSpan KeyFetchFailureBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Port of <c>/.well-known/matrix/server</c> lookups (443 per RFC 8615; tests change it).</summary>
    public int WellKnownPort { get; init; } = 443;

    /// <summary>First wait after a failed transaction to a destination; doubled after each further failure.</summary>
    public TimeSpan OutboundRetryInitial { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait between two attempts to reach a destination (the doubling stops here).</summary>
    public TimeSpan OutboundRetryMax { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Catch-up: when more PDUs than this are queued for a destination (it was down for long), only the newest queued
    /// PDU of each room is kept and the destination fetches the rest with <c>get_missing_events</c>. 0 disables it.
    /// </summary>
    public int OutboundCatchUpThreshold { get; init; } = 1000;

    /// <summary>Most ephemeral EDUs (typing, receipts, presence) kept in memory per destination; the oldest are dropped.</summary>
    public int OutboundEphemeralEduLimit { get; init; } = 1000;

    /// <summary>
    /// While one of our users keeps typing, <c>m.typing</c> is sent again this often, so other servers (which expire
    /// remote typing after about a minute without news, as Synapse does) keep showing it.
    /// </summary>
    public TimeSpan OutboundTypingRenewal { get; init; } = TimeSpan.FromSeconds(30);
}
