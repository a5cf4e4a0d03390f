using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.E2ee;

/// <summary>
/// The cache of other servers' users' device lists and cross-signing keys, kept up to date by
/// <c>m.device_list_update</c> and <c>m.signing_key_update</c> EDUs. Every change also records a device-list change
/// for the user (so local clients see them in /sync <c>device_lists.changed</c> and /keys/changes).
/// spec: server-server "Device Management".
/// </summary>
public interface IRemoteDeviceListStore
{
    /// <summary>The cached list's stream ID and staleness, or null when the user's list is not cached.</summary>
    Task<RemoteDeviceListState?> GetStateAsync(UserId userId, CancellationToken cancellationToken = default);

    /// <summary>Cached devices of the users (with or without keys), ordered by user and device.</summary>
    Task<IReadOnlyList<DeviceKeysRecord>> GetDevicesAsync(IReadOnlyCollection<UserId> userIds, CancellationToken cancellationToken = default);

    /// <summary>The user's cached cross-signing keys by type (<c>master</c>, <c>self_signing</c>).</summary>
    Task<IReadOnlyDictionary<string, string>> GetCrossSigningKeysAsync(UserId userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the user's cached list with a snapshot (from <c>/user/devices</c>): its stream ID, devices and
    /// cross-signing keys (types absent from <paramref name="crossSigningKeys"/> are removed), marked current.
    /// </summary>
    Task ReplaceAsync(UserId userId, long streamId, IReadOnlyList<RemoteDevice> devices, IReadOnlyDictionary<string, string> crossSigningKeys,
        long updatedTs, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies one <c>m.device_list_update</c>: the device is deleted, or replaced by <paramref name="device"/>; the
    /// list's stream ID becomes <paramref name="streamId"/>. Only for a cached list (false, nothing stored, otherwise).
    /// </summary>
    Task<bool> ApplyUpdateAsync(UserId userId, long streamId, DeviceId deviceId, RemoteDevice? device, long updatedTs, CancellationToken cancellationToken = default);

    /// <summary>Stores the given cross-signing keys (type → JSON), keeping the other types.</summary>
    Task SetCrossSigningKeysAsync(UserId userId, IReadOnlyDictionary<string, string> keys, CancellationToken cancellationToken = default);

    /// <summary>Marks a cached list stale: it is no longer served until refetched. Records a device-list change.</summary>
    Task MarkStaleAsync(UserId userId, CancellationToken cancellationToken = default);

    /// <summary>Forgets the user's cached list and keys (nobody here shares a room with them any more).</summary>
    Task<bool> DeleteAsync(UserId userId, CancellationToken cancellationToken = default);
}

/// <summary>A cached list: the stream ID of the last update applied and whether it is stale.</summary>
public sealed record RemoteDeviceListState(long StreamId, bool Stale, long UpdatedTs);

/// <summary>A remote device: its display name and identity keys (JSON object text, null when it has none).</summary>
public sealed record RemoteDevice(DeviceId DeviceId, string? DisplayName, string? KeyJson);
