using Myelin.Protocol.Identifiers;
using Myelin.Storage.Streams;

namespace Myelin.Storage.Devices;

/// <summary>
/// Devices of local users. Creating, renaming or deleting a device records a change on the
/// device-lists stream (other users' clients re-fetch keys from it).
/// </summary>
public interface IDeviceStore
{
    /// <summary>Creates the device; false (and no change) if the user already has a device with this ID.</summary>
    Task<bool> CreateAsync(UserId userId, DeviceId deviceId, string? displayName, long createdTs, CancellationToken cancellationToken = default);

    Task<Device?> GetAsync(UserId userId, DeviceId deviceId, CancellationToken cancellationToken = default);

    /// <summary>All devices of the user, ordered by device ID.</summary>
    Task<IReadOnlyList<Device>> ListAsync(UserId userId, CancellationToken cancellationToken = default);

    Task<bool> RenameAsync(UserId userId, DeviceId deviceId, string? displayName, CancellationToken cancellationToken = default);

    /// <summary>Records a request seen from the device (IP, user agent, time).</summary>
    Task<bool> UpdateLastSeenAsync(UserId userId, DeviceId deviceId, string? ip, string? userAgent, long ts, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the devices with their access and refresh tokens and pending to-device messages, in
    /// one transaction, and returns how many devices existed.
    /// spec: client-server "DELETE /devices/{deviceId}" ("invalidates access tokens").
    /// </summary>
    Task<int> DeleteAsync(UserId userId, IReadOnlyCollection<DeviceId> deviceIds, CancellationToken cancellationToken = default);

    /// <summary>Users among <paramref name="userIds"/> (or all, when null) whose device list changed after <paramref name="since"/>.</summary>
    Task<IReadOnlyList<UserId>> GetDeviceListChangesAsync(StreamPosition since, IReadOnlyCollection<UserId>? userIds = null, CancellationToken cancellationToken = default);
}
