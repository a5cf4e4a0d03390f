using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.E2ee;
using Myelin.Server.Http;
using Myelin.Storage;
using Myelin.Storage.Devices;

namespace Myelin.Server.Accounts;

/// <summary>A user's devices: list, rename, delete (with their tokens). spec: client-server "Device management".</summary>
public sealed class DeviceService
{
    /// <summary>Longest device display name accepted (Synapse's limit).</summary>
    public const int MaxDisplayNameLength = 100;

    private readonly MyelinDatabase _database;
    private readonly AccessTokenAuthenticator _authenticator;
    private readonly E2eeKeyService _keys;

    public DeviceService(MyelinDatabase database, AccessTokenAuthenticator authenticator, E2eeKeyService keys)
    {
        _database = database;
        _authenticator = authenticator;
        _keys = keys;
    }

    public Task<IReadOnlyList<Device>> ListAsync(UserId userId, CancellationToken cancellationToken = default) =>
        _database.Devices.ListAsync(userId, cancellationToken);

    /// <summary>The device, or 404 <c>M_NOT_FOUND</c>.</summary>
    public async Task<Device> GetAsync(UserId userId, DeviceId deviceId, CancellationToken cancellationToken = default) =>
        await _database.Devices.GetAsync(userId, deviceId, cancellationToken) ?? throw MatrixException.NotFound("Unknown device.");

    /// <summary>Renames a device; 404 <c>M_NOT_FOUND</c> when the user has no such device.</summary>
    public async Task RenameAsync(UserId userId, DeviceId deviceId, string? displayName, CancellationToken cancellationToken = default)
    {
        if (displayName is { Length: > MaxDisplayNameLength })
        {
            throw MatrixException.InvalidParam($"Device display name is too long (at most {MaxDisplayNameLength} characters).");
        }
        if (!await _database.Devices.RenameAsync(userId, deviceId, displayName, cancellationToken))
        {
            throw MatrixException.NotFound("Unknown device.");
        }
        // The store recorded a device-list change (the display name is part of /keys/query): wake those who follow it.
        await _keys.NotifyDeviceListChangeAsync(userId, cancellationToken);
    }

    /// <summary>Deletes devices (unknown ones are ignored) with their tokens, and forgets cached tokens.</summary>
    public async Task DeleteAsync(UserId userId, IReadOnlyCollection<DeviceId> deviceIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deviceIds);
        if (deviceIds.Count == 0)
        {
            return;
        }
        int deleted = await _database.Devices.DeleteAsync(userId, deviceIds, cancellationToken);
        foreach (var device in deviceIds)
        {
            _authenticator.EvictUser(userId, device);
        }
        if (deleted > 0)
        {
            // Others must learn now (device_lists.changed) that the device is gone, or they keep sending it room keys.
            await _keys.NotifyDeviceListChangeAsync(userId, cancellationToken);
        }
    }
}
