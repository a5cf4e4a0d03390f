using System.Text.Json;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Streams;
using Myelin.Storage;

namespace Myelin.Server.Presence;

/// <summary>
/// Presence of local users, in memory, on its own stream. A visible change (presence value, status message,
/// becoming active) moves the stream forward and wakes the syncers of the user's rooms; mere activity only
/// refreshes <c>last_active_ago</c>, so two syncing clients do not wake each other forever.
/// Idle users go <c>unavailable</c> after <see cref="IdleAfter"/> and syncing clients that stop go <c>offline</c>
/// after <see cref="OfflineAfter"/>. spec: client-server "Presence", "Last active ago".
/// </summary>
public sealed class PresenceTracker : IDisposable
{
    public static readonly TimeSpan IdleAfter = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan OfflineAfter = TimeSpan.FromMinutes(30);
    /// <summary>"currently_active" holds while the user was active within this window (Synapse uses one minute).</summary>
    public static readonly TimeSpan ActiveWindow = TimeSpan.FromMinutes(1);
    /// <summary>
    /// Other servers' users go offline this long after their server's last update about them, and ours are announced
    /// again after <see cref="FederationPingInterval"/> without a change — Synapse's FEDERATION_TIMEOUT (30 min) and
    /// FEDERATION_PING_INTERVAL (25 min), so that Synapse does not time out our users who are online and unchanged.
    /// </summary>
    public static readonly TimeSpan FederationTimeout = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan FederationPingInterval = TimeSpan.FromMinutes(25);

    private readonly Lock _lock = new();
    private readonly Dictionary<UserId, PresenceStatus> _statuses = [];
    // Remote users: when their server last told us about them. Local users: when they were last announced (Changed).
    private readonly Dictionary<UserId, long> _remoteUpdatedAt = [];
    private readonly Dictionary<UserId, long> _announcedAt = [];
    private readonly Notifier _notifier;
    private readonly MyelinDatabase _database;
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;
    private readonly ServerName _serverName;
    private long _position;

    public PresenceTracker(Notifier notifier, MyelinDatabase database, MyelinConfig config, TimeProvider time)
    {
        _serverName = config.ServerName;
        _notifier = notifier;
        _database = database;
        _time = time;
        Enabled = config.PresenceEnabled;
        _sweeper = _time.CreateTimer(_ => Sweep(), null, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
    }

    /// <summary>Raised after a visible change of a local user's presence, e.g. to send <c>m.presence</c> EDUs.</summary>
    public event Action<PresenceStatus>? Changed;

    /// <summary>False when the server is configured not to track presence (everyone reads as offline).</summary>
    public bool Enabled { get; }

    public void Dispose() => _sweeper.Dispose();

    public long CurrentPosition
    {
        get
        {
            lock (_lock)
            {
                return _position;
            }
        }
    }

    public PresenceStatus? Get(UserId user)
    {
        lock (_lock)
        {
            return _statuses.GetValueOrDefault(user);
        }
    }

    /// <summary>The statuses that changed after <paramref name="since"/> (all known ones for 0).</summary>
    public IReadOnlyList<PresenceStatus> GetChangedSince(long since)
    {
        lock (_lock)
        {
            return _statuses.Values.Where(s => s.StreamPosition > since).ToArray();
        }
    }

    /// <summary>An explicit PUT /presence/{userId}/status: sets presence and (when given) the status message.</summary>
    public Task SetAsync(UserId user, string presence, string? statusMessage, bool setStatusMessage) =>
        UpdateAsync(user, presence, statusMessage, setStatusMessage, active: presence == PresenceStates.Online);

    /// <summary>A /sync with <c>set_presence</c> (default <c>online</c>): activity that keeps the user's presence.</summary>
    public Task SyncedAsync(UserId user, string presence)
    {
        if (!Enabled)
        {
            return Task.CompletedTask;
        }
        // spec: set_presence "offline" means the client is not marked online by this sync; it does not change the status.
        if (presence == PresenceStates.Offline)
        {
            return Task.CompletedTask;
        }
        PresenceStatus? current;
        lock (_lock)
        {
            current = _statuses.GetValueOrDefault(user);
        }
        // A user who set themselves unavailable stays so while syncing with the default; only the status is refreshed.
        string target = current is { Presence: PresenceStates.Unavailable } && presence == PresenceStates.Online ? PresenceStates.Online : presence;
        return UpdateAsync(user, target, null, setStatusMessage: false, active: target == PresenceStates.Online);
    }

    private async Task UpdateAsync(UserId user, string presence, string? statusMessage, bool setStatusMessage, bool active)
    {
        if (!Enabled)
        {
            return;
        }
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        bool changed;
        lock (_lock)
        {
            var current = _statuses.GetValueOrDefault(user);
            string? message = setStatusMessage ? statusMessage : current?.StatusMessage;
            bool currentlyActive = active;
            changed = current is null || current.Presence != presence || current.StatusMessage != message || current.CurrentlyActive != currentlyActive;
            long lastActive = active || current is null ? now : current.LastActiveTs;
            _statuses[user] = new PresenceStatus(user, presence, message, lastActive, currentlyActive, changed ? ++_position : current!.StreamPosition);
        }
        if (changed)
        {
            RaiseChanged(user);
            await NotifyAudienceAsync(user);
        }
    }

    /// <summary>
    /// A user of another server, from an <c>m.presence</c> EDU (the caller checked the user belongs to the origin).
    /// Kept as received: the idle and offline timeouts are the user's server's to apply.
    /// </summary>
    /// <param name="lastActiveAgo">Null when the update has none (Synapse leaves it out for users never active): the
    /// last known activity is kept.</param>
    public async Task SetRemoteAsync(UserId user, string presence, string? statusMessage, long? lastActiveAgo, bool currentlyActive)
    {
        if (!Enabled || user.Server == _serverName || !PresenceStates.IsValid(presence))
        {
            return;
        }
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        bool changed;
        lock (_lock)
        {
            var current = _statuses.GetValueOrDefault(user);
            long lastActive = lastActiveAgo is { } ago ? now - Math.Max(0, ago) : current?.LastActiveTs ?? now;
            _remoteUpdatedAt[user] = now;
            changed = current is null || current.Presence != presence || current.StatusMessage != statusMessage || current.CurrentlyActive != currentlyActive;
            _statuses[user] = new PresenceStatus(user, presence, statusMessage, lastActive, currentlyActive, changed ? ++_position : current!.StreamPosition);
        }
        if (changed)
        {
            await NotifyAudienceAsync(user);
        }
    }

    private void RaiseChanged(UserId user)
    {
        if (user.Server != _serverName || Get(user) is not { } status)
        {
            return;
        }
        lock (_lock)
        {
            _announcedAt[user] = _time.GetUtcNow().ToUnixTimeMilliseconds();
        }
        Changed?.Invoke(status);
    }

    /// <summary>Applies the idle and offline timeouts (runs every 30 s by itself).</summary>
    public void Sweep()
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        List<UserId>? changedUsers = null;
        List<UserId>? remoteExpired = null;
        List<UserId>? toPing = null;
        lock (_lock)
        {
            foreach (var status in _statuses.Values.ToArray())
            {
                if (status.UserId.Server != _serverName)
                {
                    // A server that stopped telling us about its online user (it went away): offline, as Synapse does.
                    if (status.Presence != PresenceStates.Offline
                        && now - _remoteUpdatedAt.GetValueOrDefault(status.UserId, now) >= FederationTimeout.TotalMilliseconds)
                    {
                        _statuses[status.UserId] = status with { Presence = PresenceStates.Offline, CurrentlyActive = false, StreamPosition = ++_position };
                        (remoteExpired ??= []).Add(status.UserId);
                    }
                    continue;
                }
                if (status.Presence != PresenceStates.Offline
                    && now - _announcedAt.GetValueOrDefault(status.UserId, now) >= FederationPingInterval.TotalMilliseconds)
                {
                    (toPing ??= []).Add(status.UserId);
                }
                long idle = now - status.LastActiveTs;
                PresenceStatus? next = null;
                if (status.Presence == PresenceStates.Online && idle >= IdleAfter.TotalMilliseconds)
                {
                    next = status with { Presence = PresenceStates.Unavailable, CurrentlyActive = false };
                }
                else if (status.Presence != PresenceStates.Offline && idle >= OfflineAfter.TotalMilliseconds)
                {
                    next = status with { Presence = PresenceStates.Offline, CurrentlyActive = false };
                }
                else if (status.CurrentlyActive && idle >= ActiveWindow.TotalMilliseconds)
                {
                    next = status with { CurrentlyActive = false };
                }
                if (next is not null)
                {
                    _statuses[status.UserId] = next with { StreamPosition = ++_position };
                    (changedUsers ??= []).Add(status.UserId);
                }
            }
        }
        if (changedUsers is not null)
        {
            foreach (var user in changedUsers)
            {
                RaiseChanged(user);
                _ = NotifyAudienceAsync(user);
            }
        }
        foreach (var user in remoteExpired ?? [])
        {
            _ = NotifyAudienceAsync(user);
        }
        // Unchanged but still online or idle: announced again so other servers keep them (no client sees a change).
        foreach (var user in toPing?.Except(changedUsers ?? []) ?? [])
        {
            RaiseChanged(user);
        }
    }

    /// <summary>The user's own syncs and everyone sharing a room with them follow their presence.</summary>
    private async Task NotifyAudienceAsync(UserId user)
    {
        _notifier.NotifyUser(user);
        try
        {
            foreach (var room in await _database.Memberships.GetRoomsForUserAsync(user, Membership.Join))
            {
                _notifier.NotifyRoom(room);
            }
        }
#pragma warning disable CA1031 // a wake-up is best effort: syncs still see the change at their next poll
        catch (Exception)
#pragma warning restore CA1031
        {
            _notifier.NotifyAll();
        }
    }

    /// <summary>The <c>m.presence</c> event of a status, as served to <paramref name="viewerNowTs"/>'s clients.</summary>
    public static void WriteEvent(Utf8JsonWriter writer, PresenceStatus status, long nowTs)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "m.presence");
        writer.WriteString("sender", status.UserId.Value);
        writer.WriteStartObject("content");
        writer.WriteString("presence", status.Presence);
        writer.WriteNumber("last_active_ago", Math.Max(0, nowTs - status.LastActiveTs));
        writer.WriteBoolean("currently_active", status.CurrentlyActive);
        if (status.StatusMessage is not null)
        {
            writer.WriteString("status_msg", status.StatusMessage);
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
