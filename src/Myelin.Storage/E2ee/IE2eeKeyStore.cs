using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.E2ee;

/// <summary>
/// Public end-to-end encryption keys of local devices and users: device identity keys, one-time and
/// fallback keys, cross-signing keys. Key objects are kept as the JSON text clients uploaded.
/// spec: client-server "End-to-End Encryption" / "Key management API".
/// </summary>
public interface IE2eeKeyStore
{
    /// <summary>The device's identity keys (JSON object text), or null if none were uploaded.</summary>
    Task<string?> GetDeviceKeysAsync(UserId userId, DeviceId deviceId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores the device's identity keys if it has none yet, recording a device-list change in the same transaction.
    /// Returns false (nothing stored) if the device does not exist or already has keys.
    /// </summary>
    Task<bool> AddDeviceKeysAsync(UserId userId, DeviceId deviceId, string keyJson, CancellationToken cancellationToken = default);

    /// <summary>Existing devices of the users, with their identity keys where uploaded (null otherwise).</summary>
    Task<IReadOnlyList<DeviceKeysRecord>> GetDevicesWithKeysAsync(IReadOnlyCollection<UserId> userIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds one-time keys in one transaction. A key ID already stored with the same JSON is skipped; one stored with
    /// different JSON makes the whole call store nothing and return that key (<c>algorithm:key_id</c>).
    /// </summary>
    Task<string?> AddOneTimeKeysAsync(UserId userId, DeviceId deviceId, IReadOnlyList<DeviceKey> keys, long uploadTs, CancellationToken cancellationToken = default);

    /// <summary>Unclaimed one-time keys of the device per algorithm.</summary>
    Task<IReadOnlyDictionary<string, int>> CountOneTimeKeysAsync(UserId userId, DeviceId deviceId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the device's fallback key for each algorithm given (the new one unused).</summary>
    Task SetFallbackKeysAsync(UserId userId, DeviceId deviceId, IReadOnlyList<DeviceKey> keys, CancellationToken cancellationToken = default);

    /// <summary>Algorithms for which the device has a fallback key that was never claimed, ordered.</summary>
    Task<IReadOnlyList<string>> GetUnusedFallbackKeyTypesAsync(UserId userId, DeviceId deviceId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims one key per requested device in one transaction: the oldest one-time key of the algorithm (deleted), else the
    /// fallback key (marked used). Devices with neither are left out.
    /// </summary>
    Task<IReadOnlyList<ClaimedKey>> ClaimAsync(IReadOnlyList<KeyClaim> claims, CancellationToken cancellationToken = default);

    /// <summary>The user's cross-signing keys by type (<c>master</c>, <c>self_signing</c>, <c>user_signing</c>).</summary>
    Task<IReadOnlyDictionary<string, string>> GetCrossSigningKeysAsync(UserId userId, CancellationToken cancellationToken = default);

    /// <summary>Sets cross-signing keys (type → JSON) and, when <paramref name="deviceListChange"/>, records a device-list change, in one transaction.</summary>
    Task SetCrossSigningKeysAsync(UserId userId, IReadOnlyDictionary<string, string> keys, bool deviceListChange, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="signer"/>'s signature (by <paramref name="signerKeyId"/>) of another user's key, replacing an older one.</summary>
    Task AddUserSignatureAsync(UserId signer, string signerKeyId, UserId target, string targetKeyId, string signature, CancellationToken cancellationToken = default);

    /// <summary><paramref name="signer"/>'s signatures of <paramref name="target"/>'s key: signer key ID → signature.</summary>
    Task<IReadOnlyDictionary<string, string>> GetUserSignaturesAsync(UserId signer, UserId target, string targetKeyId, CancellationToken cancellationToken = default);

    /// <summary>Replaces a device's identity key JSON (new signatures merged by the caller) and records a device-list change.</summary>
    Task<bool> ReplaceDeviceKeysAsync(UserId userId, DeviceId deviceId, string keyJson, CancellationToken cancellationToken = default);
}

/// <summary>A one-time or fallback key: <c>algorithm</c>, <c>key_id</c> and the key (a string or a signed object) as JSON text.</summary>
public sealed record DeviceKey(string Algorithm, string KeyId, string KeyJson);

/// <summary>An existing device with its display name and identity keys (null when none uploaded).</summary>
public sealed record DeviceKeysRecord(UserId UserId, DeviceId DeviceId, string? DisplayName, string? KeyJson);

/// <summary>A request for one key of <see cref="Algorithm"/> from a device.</summary>
public sealed record KeyClaim(UserId UserId, DeviceId DeviceId, string Algorithm);

/// <summary>A claimed key; <see cref="Fallback"/> when it was the device's fallback key.</summary>
public sealed record ClaimedKey(UserId UserId, DeviceId DeviceId, string Algorithm, string KeyId, string KeyJson, bool Fallback);
