using Myelin.Protocol.Identifiers;
using Myelin.Storage.Devices;
using Myelin.Storage.Engines;

namespace Myelin.Storage.E2ee;

internal sealed class E2eeKeyStore(StorageEngine engine) : IE2eeKeyStore
{
    public Task<string?> GetDeviceKeysAsync(UserId userId, DeviceId deviceId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync(
            "SELECT key_json FROM e2e_device_keys WHERE user_id = @user_id AND device_id = @device_id", r => r.GetString(0),
            ("user_id", userId.Value), ("device_id", deviceId.Value)), cancellationToken);

    public Task<bool> AddDeviceKeysAsync(UserId userId, DeviceId deviceId, string keyJson, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            var exists = await db.ScalarInt64Async("SELECT COUNT(*) FROM devices WHERE user_id = @user_id AND device_id = @device_id",
                ("user_id", userId.Value), ("device_id", deviceId.Value));
            if (exists is not > 0)
            {
                return false;
            }
            int inserted = await db.ExecuteAsync(
                "INSERT INTO e2e_device_keys (user_id, device_id, key_json) VALUES (@user_id, @device_id, @json) ON CONFLICT (user_id, device_id) DO NOTHING",
                ("user_id", userId.Value), ("device_id", deviceId.Value), ("json", keyJson));
            if (inserted > 0)
            {
                await DeviceStore.RecordDeviceListChangeAsync(db, userId);
            }
            return inserted > 0;
        }, cancellationToken);

    public Task<bool> ReplaceDeviceKeysAsync(UserId userId, DeviceId deviceId, string keyJson, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            bool updated = await db.ExecuteAsync(
                "UPDATE e2e_device_keys SET key_json = @json WHERE user_id = @user_id AND device_id = @device_id",
                ("json", keyJson), ("user_id", userId.Value), ("device_id", deviceId.Value)) > 0;
            if (updated)
            {
                await DeviceStore.RecordDeviceListChangeAsync(db, userId);
            }
            return updated;
        }, cancellationToken);

    public Task<IReadOnlyList<DeviceKeysRecord>> GetDevicesWithKeysAsync(IReadOnlyCollection<UserId> userIds, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<DeviceKeysRecord>>(async db =>
        {
            var result = new List<DeviceKeysRecord>();
            foreach (var chunk in userIds.Select(u => u.Value).Distinct(StringComparer.Ordinal).Chunk(500))
            {
                var (inList, parameters) = DbSession.InList("u", chunk, u => u);
                result.AddRange(await db.QueryAsync(
                    "SELECT d.user_id, d.device_id, d.display_name, k.key_json FROM devices d " +
                    "LEFT JOIN e2e_device_keys k ON k.user_id = d.user_id AND k.device_id = d.device_id " +
                    $"WHERE d.user_id IN ({inList}) ORDER BY d.user_id, d.device_id",
                    r => new DeviceKeysRecord(UserId.Parse(r.GetString(0)), DeviceId.Parse(r.GetString(1)), r.GetNullableString(2), r.GetNullableString(3)),
                    parameters));
            }
            return result;
        }, cancellationToken);

    public Task<string?> AddOneTimeKeysAsync(UserId userId, DeviceId deviceId, IReadOnlyList<DeviceKey> keys, long uploadTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            var toInsert = new List<DeviceKey>();
            foreach (var key in keys)
            {
                string? existing = await db.QuerySingleAsync(
                    "SELECT key_json FROM e2e_one_time_keys WHERE user_id = @user_id AND device_id = @device_id AND algorithm = @algorithm AND key_id = @key_id",
                    r => r.GetString(0), ("user_id", userId.Value), ("device_id", deviceId.Value), ("algorithm", key.Algorithm), ("key_id", key.KeyId));
                if (existing is null)
                {
                    toInsert.Add(key);
                }
                else if (!string.Equals(existing, key.KeyJson, StringComparison.Ordinal))
                {
                    return key.Algorithm + ":" + key.KeyId;
                }
            }
            foreach (var key in toInsert)
            {
                await db.ExecuteAsync(
                    "INSERT INTO e2e_one_time_keys (user_id, device_id, algorithm, key_id, key_json, upload_ts) VALUES (@user_id, @device_id, @algorithm, @key_id, @json, @ts) " +
                    "ON CONFLICT (user_id, device_id, algorithm, key_id) DO NOTHING",
                    ("user_id", userId.Value), ("device_id", deviceId.Value), ("algorithm", key.Algorithm), ("key_id", key.KeyId), ("json", key.KeyJson), ("ts", uploadTs));
            }
            return (string?)null;
        }, cancellationToken);

    public Task<IReadOnlyDictionary<string, int>> CountOneTimeKeysAsync(UserId userId, DeviceId deviceId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyDictionary<string, int>>(async db => (await db.QueryAsync(
                "SELECT algorithm, COUNT(*) FROM e2e_one_time_keys WHERE user_id = @user_id AND device_id = @device_id GROUP BY algorithm",
                r => (Algorithm: r.GetString(0), Count: (int)r.GetInt64(1)), ("user_id", userId.Value), ("device_id", deviceId.Value)))
            .ToDictionary(x => x.Algorithm, x => x.Count, StringComparer.Ordinal), cancellationToken);

    public Task SetFallbackKeysAsync(UserId userId, DeviceId deviceId, IReadOnlyList<DeviceKey> keys, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            foreach (var key in keys)
            {
                await db.ExecuteAsync(
                    "INSERT INTO e2e_fallback_keys (user_id, device_id, algorithm, key_id, key_json, used) VALUES (@user_id, @device_id, @algorithm, @key_id, @json, 0) " +
                    "ON CONFLICT (user_id, device_id, algorithm) DO UPDATE SET key_id = excluded.key_id, key_json = excluded.key_json, " +
                    // Re-uploading the same key keeps its used flag (clients re-send it with new one-time keys).
                    "used = CASE WHEN e2e_fallback_keys.key_id = excluded.key_id AND e2e_fallback_keys.key_json = excluded.key_json THEN e2e_fallback_keys.used ELSE 0 END",
                    ("user_id", userId.Value), ("device_id", deviceId.Value), ("algorithm", key.Algorithm), ("key_id", key.KeyId), ("json", key.KeyJson));
            }
            return 0;
        }, cancellationToken);

    public Task<IReadOnlyList<string>> GetUnusedFallbackKeyTypesAsync(UserId userId, DeviceId deviceId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<string>>(async db => await db.QueryAsync(
            "SELECT algorithm FROM e2e_fallback_keys WHERE user_id = @user_id AND device_id = @device_id AND used = 0 ORDER BY algorithm",
            r => r.GetString(0), ("user_id", userId.Value), ("device_id", deviceId.Value)), cancellationToken);

    public Task<IReadOnlyList<ClaimedKey>> ClaimAsync(IReadOnlyList<KeyClaim> claims, CancellationToken cancellationToken = default) =>
        engine.WriteAsync<IReadOnlyList<ClaimedKey>>(async db =>
        {
            var claimed = new List<ClaimedKey>();
            foreach (var claim in claims)
            {
                var parameters = new (string, object?)[] { ("user_id", claim.UserId.Value), ("device_id", claim.DeviceId.Value), ("algorithm", claim.Algorithm) };
                if (await ClaimOneTimeKeyAsync(db, parameters) is { } oneTime)
                {
                    claimed.Add(new ClaimedKey(claim.UserId, claim.DeviceId, claim.Algorithm, oneTime[0], oneTime[1], false));
                    continue;
                }
                var fallback = await db.QuerySingleAsync(
                    "SELECT key_id, key_json FROM e2e_fallback_keys WHERE user_id = @user_id AND device_id = @device_id AND algorithm = @algorithm",
                    r => new[] { r.GetString(0), r.GetString(1) }, parameters);
                if (fallback is not null)
                {
                    await db.ExecuteAsync("UPDATE e2e_fallback_keys SET used = 1 WHERE user_id = @user_id AND device_id = @device_id AND algorithm = @algorithm", parameters);
                    claimed.Add(new ClaimedKey(claim.UserId, claim.DeviceId, claim.Algorithm, fallback[0], fallback[1], true));
                }
            }
            return claimed;
        }, cancellationToken);

    /// <summary>
    /// Takes the oldest one-time key. A key is handed out once only: when a concurrent claim (PostgreSQL, read committed)
    /// deleted the same row first, our delete removes nothing and we take the next one.
    /// </summary>
    private static async Task<string[]?> ClaimOneTimeKeyAsync(DbSession db, (string, object?)[] parameters)
    {
        while (true)
        {
            var oneTime = await db.QuerySingleAsync(
                "SELECT key_id, key_json FROM e2e_one_time_keys WHERE user_id = @user_id AND device_id = @device_id AND algorithm = @algorithm " +
                "ORDER BY upload_ts, key_id LIMIT 1", r => new[] { r.GetString(0), r.GetString(1) }, parameters);
            if (oneTime is null)
            {
                return null;
            }
            int deleted = await db.ExecuteAsync(
                "DELETE FROM e2e_one_time_keys WHERE user_id = @user_id AND device_id = @device_id AND algorithm = @algorithm AND key_id = @key_id",
                [.. parameters, ("key_id", oneTime[0])]);
            if (deleted > 0)
            {
                return oneTime;
            }
        }
    }

    public Task<IReadOnlyDictionary<string, string>> GetCrossSigningKeysAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyDictionary<string, string>>(async db => (await db.QueryAsync(
                "SELECT key_type, key_json FROM e2e_cross_signing_keys WHERE user_id = @user_id",
                r => (Type: r.GetString(0), Json: r.GetString(1)), ("user_id", userId.Value)))
            .ToDictionary(x => x.Type, x => x.Json, StringComparer.Ordinal), cancellationToken);

    public Task SetCrossSigningKeysAsync(UserId userId, IReadOnlyDictionary<string, string> keys, bool deviceListChange, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            foreach (var (type, json) in keys)
            {
                await db.ExecuteAsync(
                    "INSERT INTO e2e_cross_signing_keys (user_id, key_type, key_json) VALUES (@user_id, @type, @json) " +
                    "ON CONFLICT (user_id, key_type) DO UPDATE SET key_json = excluded.key_json",
                    ("user_id", userId.Value), ("type", type), ("json", json));
            }
            if (deviceListChange)
            {
                await DeviceStore.RecordDeviceListChangeAsync(db, userId);
            }
            return 0;
        }, cancellationToken);

    public Task AddUserSignatureAsync(UserId signer, string signerKeyId, UserId target, string targetKeyId, string signature, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => db.ExecuteAsync(
            "INSERT INTO e2e_cross_signing_signatures (signer_user_id, signer_key_id, target_user_id, target_key_id, signature) " +
            "VALUES (@signer, @signer_key, @target, @target_key, @signature) " +
            "ON CONFLICT (signer_user_id, signer_key_id, target_user_id, target_key_id) DO UPDATE SET signature = excluded.signature",
            ("signer", signer.Value), ("signer_key", signerKeyId), ("target", target.Value), ("target_key", targetKeyId), ("signature", signature)), cancellationToken);

    public Task<IReadOnlyDictionary<string, string>> GetUserSignaturesAsync(UserId signer, UserId target, string targetKeyId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyDictionary<string, string>>(async db => (await db.QueryAsync(
                "SELECT signer_key_id, signature FROM e2e_cross_signing_signatures WHERE signer_user_id = @signer AND target_user_id = @target AND target_key_id = @target_key",
                r => (Key: r.GetString(0), Signature: r.GetString(1)), ("signer", signer.Value), ("target", target.Value), ("target_key", targetKeyId)))
            .ToDictionary(x => x.Key, x => x.Signature, StringComparer.Ordinal), cancellationToken);
}
