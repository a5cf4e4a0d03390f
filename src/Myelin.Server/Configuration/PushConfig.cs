namespace Myelin.Server.Configuration;

/// <summary>
/// The <c>push:</c> section: how notifications are delivered to push gateways (http pushers) and how long the
/// notification history behind <c>GET /notifications</c> is kept. See docs/push.md.
/// </summary>
public sealed record PushConfig
{
    /// <summary><c>enabled</c>: deliver queued pushes to push gateways. Pushers can still be set when false.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary><c>include_content</c> (Synapse's key): send the event's content, sender display name and room name.</summary>
    public bool IncludeContent { get; init; } = true;

    /// <summary><c>initial_backoff</c>: wait before the first retry after a gateway failed; doubles per attempt.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary><c>max_backoff</c>: the longest wait between two attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromHours(1);

    /// <summary><c>give_up_after</c>: a push not delivered this long after its event is dropped (as Synapse, a day).</summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromDays(1);

    /// <summary><c>request_timeout</c>: how long one request to a push gateway may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary><c>notification_retention</c>: how long entries stay in the <c>GET /notifications</c> history.</summary>
    public TimeSpan NotificationRetention { get; init; } = TimeSpan.FromDays(30);
}
