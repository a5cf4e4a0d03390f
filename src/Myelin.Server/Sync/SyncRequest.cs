using Myelin.Server.Authentication;
using Myelin.Server.Filters;
using Myelin.Server.Streams;

namespace Myelin.Server.Sync;

/// <summary>
/// One <c>GET /sync</c>: who asks, from which token (null = initial sync), with which filter and options.
/// spec: client-server "GET /_matrix/client/v3/sync".
/// </summary>
public sealed record SyncRequest(Requester Requester, SyncToken? Since, SyncFilter Filter)
{
    public bool FullState { get; init; }
    /// <summary>How long to wait for something to report when nothing has changed since <see cref="Since"/>.</summary>
    public TimeSpan Timeout { get; init; }
    /// <summary><c>online</c> (default), <c>offline</c> or <c>unavailable</c>.</summary>
    public string SetPresence { get; init; } = "online";
    /// <summary>v1.16 <c>use_state_after</c>: report the state at the end of the timeline in <c>state_after</c>.</summary>
    public bool UseStateAfter { get; init; }
}
