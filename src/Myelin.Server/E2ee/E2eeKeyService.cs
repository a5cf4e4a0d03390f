using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.Json;
using Myelin.Server.Configuration;
using Myelin.Server.E2ee.Federation;
using Myelin.Server.Http;
using Myelin.Server.Streams;
using Myelin.Storage;
using Myelin.Storage.E2ee;
using Myelin.Storage.Streams;

namespace Myelin.Server.E2ee;

/// <summary>
/// Key distribution for local devices: uploading identity, one-time and fallback keys, querying and claiming them,
/// and the device-list changes clients track. spec: client-server "End-to-End Encryption" / "Key management API".
/// </summary>
public sealed class E2eeKeyService(MyelinDatabase database, MyelinConfig config, Notifier notifier, TimeProvider time, RemoteDeviceKeys remoteKeys,
    DeviceListAnnouncer announcer)
{
    /// <summary>Validates and stores the keys of the requester's device; returns the device's one-time key counts.</summary>
    public async Task<IReadOnlyDictionary<string, int>> UploadAsync(UserId user, DeviceId device, JsonObject body, CancellationToken cancellationToken)
    {
        JsonObject? deviceKeys = null;
        if (body["device_keys"] is { } deviceKeysNode)
        {
            deviceKeys = deviceKeysNode as JsonObject ?? throw MatrixException.BadJson("'device_keys' must be an object.");
            ValidateDeviceKeys(deviceKeys, user, device);
        }
        var oneTimeKeys = ReadKeys(body, "one_time_keys");
        var fallbackKeys = ReadKeys(body, "fallback_keys");
        if (fallbackKeys.GroupBy(k => k.Algorithm, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            // spec: "There can only be at most one key per algorithm uploaded".
            throw MatrixException.InvalidParam($"'fallback_keys' has more than one key for algorithm '{duplicate.Key}'.");
        }

        // Everything that can refuse the upload is checked before anything is stored: a 400 leaves the device as it was.
        bool newDeviceKeys = false;
        if (deviceKeys is not null)
        {
            string? existing = await database.E2eeKeys.GetDeviceKeysAsync(user, device, cancellationToken);
            if (existing is null)
            {
                newDeviceKeys = true;
            }
            else if (!SameIgnoringSignatures(JsonNode.Parse(existing)!.AsObject(), deviceKeys))
            {
                // Identity keys are fixed for a device's lifetime: other users verified them. A new identity needs a new device.
                throw MatrixException.InvalidParam("The device already has different identity keys; log in as a new device to change them.");
            }
        }
        // One-time keys are checked for conflicts and stored in one transaction, so this is the last step that can refuse.
        if (oneTimeKeys.Count > 0
            && await database.E2eeKeys.AddOneTimeKeysAsync(user, device, oneTimeKeys, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken) is { } conflict)
        {
            throw MatrixException.InvalidParam($"One-time key {conflict} already exists with different content.");
        }
        if (newDeviceKeys && await database.E2eeKeys.AddDeviceKeysAsync(user, device, deviceKeys!.ToJsonString(), cancellationToken))
        {
            await NotifyDeviceListChangeAsync(user, cancellationToken);
        }
        if (fallbackKeys.Count > 0)
        {
            await database.E2eeKeys.SetFallbackKeysAsync(user, device, fallbackKeys, cancellationToken);
        }
        return await database.E2eeKeys.CountOneTimeKeysAsync(user, device, cancellationToken);
    }

    /// <summary>
    /// POST /keys/query: device and cross-signing keys of the requested users, local ones from the database, remote
    /// ones from the device-list cache or their servers (unreachable servers are listed under <c>failures</c>).
    /// </summary>
    public async Task<JsonObject> QueryAsync(UserId requester, JsonObject body, CancellationToken cancellationToken)
    {
        var wanted = ReadQuery(body);
        var timeout = ReadTimeout(body);
        var result = new KeyQueryResult();
        await AddLocalKeysAsync(requester, wanted.Where(w => w.Key.Server == config.ServerName).ToDictionary(), result, cancellationToken);
        var remote = wanted.Where(w => w.Key.Server != config.ServerName).ToDictionary();
        if (remote.Count > 0)
        {
            await remoteKeys.QueryAsync(remote, timeout, result, cancellationToken);
            foreach (var (user, masterKey) in result.MasterKeys.Where(m => remote.ContainsKey(UserId.Parse(m.Key))).ToList())
            {
                await AddRequesterSignaturesAsync(requester, UserId.Parse(user), masterKey!.AsObject(), cancellationToken);
            }
        }
        return result.ToClientJson();
    }

    /// <summary>
    /// The <c>device_keys</c> of a key query body: user → the device IDs wanted, or null for all devices
    /// ("An empty list indicates all devices for the corresponding user").
    /// </summary>
    public static Dictionary<UserId, HashSet<string>?> ReadQuery(JsonObject body)
    {
        if (body["device_keys"] is not JsonObject requested)
        {
            throw body.ContainsKey("device_keys") ? MatrixException.BadJson("'device_keys' must be an object.") : MatrixException.MissingParam("'device_keys' is required.");
        }
        var wanted = new Dictionary<UserId, HashSet<string>?>();
        foreach (var (userText, devicesNode) in requested)
        {
            if (!UserId.TryParse(userText, out var user))
            {
                throw MatrixException.InvalidParam($"'{userText}' in 'device_keys' is not a user ID.");
            }
            if (devicesNode is not JsonArray devices || devices.Any(d => d?.GetValueKind() != JsonValueKind.String))
            {
                throw MatrixException.BadJson($"'device_keys.{userText}' must be an array of device IDs.");
            }
            wanted[user] = devices.Count == 0 ? null : devices.Select(d => d!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        }
        return wanted;
    }

    /// <summary>
    /// Adds the keys of local users to <paramref name="result"/>. <paramref name="requester"/> is the local user asking
    /// (who also sees their own user-signing key and their signatures of others' master keys), null for a remote server.
    /// </summary>
    public async Task AddLocalKeysAsync(UserId? requester, IReadOnlyDictionary<UserId, HashSet<string>?> wanted, KeyQueryResult result, CancellationToken cancellationToken)
    {
        var local = wanted.Keys.ToList();
        foreach (var user in local)
        {
            result.DeviceKeys[user.Value] = new JsonObject();
        }
        foreach (var record in await database.E2eeKeys.GetDevicesWithKeysAsync(local, cancellationToken))
        {
            var filter = wanted[record.UserId];
            if (record.KeyJson is null || (filter is not null && !filter.Contains(record.DeviceId.Value)))
            {
                continue;
            }
            result.DeviceKeys[record.UserId.Value]!.AsObject()[record.DeviceId.Value] = WithDisplayName(record.KeyJson, record.DisplayName);
        }
        foreach (var user in local)
        {
            var crossSigning = await database.E2eeKeys.GetCrossSigningKeysAsync(user, cancellationToken);
            if (crossSigning.TryGetValue(CrossSigningKeyTypes.Master, out string? master))
            {
                var masterKey = JsonNode.Parse(master)!.AsObject();
                if (requester is { } asking)
                {
                    await AddRequesterSignaturesAsync(asking, user, masterKey, cancellationToken);
                }
                result.MasterKeys[user.Value] = masterKey;
            }
            if (crossSigning.TryGetValue(CrossSigningKeyTypes.SelfSigning, out string? selfSigning))
            {
                result.SelfSigningKeys[user.Value] = JsonNode.Parse(selfSigning);
            }
            // spec: user_signing_keys — "only the requesting user's own key is returned".
            if (user == requester && crossSigning.TryGetValue(CrossSigningKeyTypes.UserSigning, out string? userSigning))
            {
                result.UserSigningKeys[user.Value] = JsonNode.Parse(userSigning);
            }
        }
    }

    /// <summary>A stored device key object with the device's display name under <c>unsigned.device_display_name</c>.</summary>
    public static JsonObject WithDisplayName(string keyJson, string? displayName)
    {
        var keys = JsonNode.Parse(keyJson)!.AsObject();
        var unsigned = keys["unsigned"] as JsonObject ?? new JsonObject();
        keys.Remove("unsigned");
        if (displayName is not null)
        {
            unsigned["device_display_name"] = displayName;
        }
        keys["unsigned"] = unsigned;
        return keys;
    }

    /// <summary>spec: the requester sees the signatures they made of <paramref name="user"/>'s master key with their user-signing key.</summary>
    private async Task AddRequesterSignaturesAsync(UserId requester, UserId user, JsonObject masterKey, CancellationToken cancellationToken)
    {
        if (user == requester || masterKey["keys"] is not JsonObject { Count: 1 } masterKeyIds)
        {
            return;
        }
        string publicKey = masterKeyIds.First().Key[(masterKeyIds.First().Key.IndexOf(':', StringComparison.Ordinal) + 1)..];
        var mine = await database.E2eeKeys.GetUserSignaturesAsync(requester, user, publicKey, cancellationToken);
        if (mine.Count > 0)
        {
            var signatures = masterKey["signatures"] as JsonObject ?? (JsonObject)(masterKey["signatures"] = new JsonObject());
            var bySigner = signatures[requester.Value] as JsonObject ?? (JsonObject)(signatures[requester.Value] = new JsonObject());
            foreach (var (keyId, signature) in mine)
            {
                bySigner[keyId] = signature;
            }
        }
    }

    /// <summary>
    /// POST /keys/claim: one key per requested device, one-time keys first, then the fallback key; remote users'
    /// keys are claimed from their servers (unreachable ones listed under <c>failures</c>).
    /// </summary>
    public async Task<JsonObject> ClaimAsync(JsonObject body, CancellationToken cancellationToken)
    {
        var requested = ReadClaims(body);
        var timeout = ReadTimeout(body);
        var claims = new List<KeyClaim>();
        var remote = new Dictionary<UserId, Dictionary<string, string>>();
        foreach (var (user, devices) in requested)
        {
            if (user.Server != config.ServerName)
            {
                remote[user] = devices;
                continue;
            }
            foreach (var (deviceText, algorithm) in devices)
            {
                // spec: unknown users or devices are "missing from the one_time_keys result".
                if (DeviceId.TryParse(deviceText, out var device))
                {
                    claims.Add(new KeyClaim(user, device, algorithm));
                }
            }
        }
        var result = await ClaimLocalAsync(claims, cancellationToken);
        var failures = new JsonObject();
        if (remote.Count > 0)
        {
            await remoteKeys.ClaimAsync(remote, timeout, result, failures, cancellationToken);
        }
        return new JsonObject { ["failures"] = failures, ["one_time_keys"] = result };
    }

    /// <summary>The <c>one_time_keys</c> of a claim body: user → device ID → algorithm.</summary>
    public static Dictionary<UserId, Dictionary<string, string>> ReadClaims(JsonObject body)
    {
        if (body["one_time_keys"] is not JsonObject requested)
        {
            throw body.ContainsKey("one_time_keys") ? MatrixException.BadJson("'one_time_keys' must be an object.") : MatrixException.MissingParam("'one_time_keys' is required.");
        }
        var result = new Dictionary<UserId, Dictionary<string, string>>();
        foreach (var (userText, devicesNode) in requested)
        {
            if (!UserId.TryParse(userText, out var user))
            {
                throw MatrixException.InvalidParam($"'{userText}' in 'one_time_keys' is not a user ID.");
            }
            if (devicesNode is not JsonObject devices)
            {
                throw MatrixException.BadJson($"'one_time_keys.{userText}' must be an object of device ID to algorithm.");
            }
            var byDevice = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (deviceText, algorithmNode) in devices)
            {
                if (algorithmNode?.GetValueKind() != JsonValueKind.String)
                {
                    throw MatrixException.BadJson($"'one_time_keys.{userText}.{deviceText}' must be an algorithm name.");
                }
                byDevice[deviceText] = algorithmNode.GetValue<string>();
            }
            result[user] = byDevice;
        }
        return result;
    }

    /// <summary>Claims keys of local devices; returns the <c>one_time_keys</c> object (user → device → key ID → key).</summary>
    public async Task<JsonObject> ClaimLocalAsync(IReadOnlyList<KeyClaim> claims, CancellationToken cancellationToken)
    {
        var result = new JsonObject();
        foreach (var key in claims.Count == 0 ? [] : await database.E2eeKeys.ClaimAsync(claims, cancellationToken))
        {
            var userKeys = result[key.UserId.Value] as JsonObject ?? (JsonObject)(result[key.UserId.Value] = new JsonObject());
            userKeys[key.DeviceId.Value] = new JsonObject { [key.Algorithm + ":" + key.KeyId] = JsonNode.Parse(key.KeyJson) };
            if (key.Fallback)
            {
                // The device learns through /sync that its fallback key was used (device_unused_fallback_key_types).
                notifier.NotifyUser(key.UserId);
            }
        }
        return result;
    }

    /// <summary>spec: <c>timeout</c> — "The time (in milliseconds) to wait when downloading keys from remote servers", 10 s by default.</summary>
    private static TimeSpan ReadTimeout(JsonObject body) => body["timeout"] switch
    {
        null => TimeSpan.FromSeconds(10),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long ms) && ms >= 0 => TimeSpan.FromMilliseconds(Math.Min(ms, 60_000)),
        _ => throw MatrixException.BadJson("'timeout' must be a non-negative integer (milliseconds)."),
    };

    /// <summary>
    /// GET /keys/changes: users sharing a room with the requester whose device lists changed between the tokens (and users
    /// who started sharing one), and users who no longer share any room ("left"), as /sync's device_lists reports them.
    /// </summary>
    public async Task<(IReadOnlyList<UserId> Changed, IReadOnlyList<UserId> Left)> GetChangesAsync(UserId requester, SyncToken from, SyncToken to, CancellationToken cancellationToken)
    {
        var myRooms = (await database.Memberships.GetRoomsForUserAsync(requester, Membership.Join, cancellationToken)).ToHashSet();
        async Task<bool> SharesRoomAsync(UserId other) =>
            (await database.Memberships.GetRoomsForUserAsync(other, Membership.Join, cancellationToken)).Any(myRooms.Contains);

        var changed = new HashSet<UserId>();
        var left = new HashSet<UserId>();
        foreach (var user in await database.Devices.GetDeviceListChangesAsync(new StreamPosition(from.DeviceLists), null, cancellationToken))
        {
            if (user == requester || await SharesRoomAsync(user))
            {
                changed.Add(user);
            }
        }
        var since = new StreamPosition(from.Events);
        var upTo = new StreamPosition(Math.Max(from.Events, to.Events));
        // Rooms the requester left: their members who now share no room with the requester.
        foreach (var record in await database.Memberships.GetMembershipChangesAsync(requester, since, upTo, cancellationToken))
        {
            if (record.Membership is Membership.Leave or Membership.Ban && !myRooms.Contains(record.RoomId))
            {
                foreach (var member in await database.Memberships.GetMembersAsync(record.RoomId, Membership.Join, cancellationToken))
                {
                    // Only members who were there when the requester left shared the room with them.
                    if (member != requester && !await SharesRoomAsync(member)
                        && (await database.Memberships.GetMembershipAtAsync(record.RoomId, member, record.StreamPosition, cancellationToken))?.Membership == Membership.Join)
                    {
                        left.Add(member);
                    }
                }
            }
        }
        // Members who joined or left the requester's rooms in between (their latest change in each room counts).
        var changes = await database.Memberships.GetRoomMembershipChangesAsync(myRooms, since, upTo, cancellationToken);
        foreach (var change in changes.GroupBy(c => (c.RoomId, c.UserId)).Select(g => g.Last()))
        {
            if (change.UserId == requester)
            {
                continue;
            }
            var membership = await database.Memberships.GetMembershipAsync(change.RoomId, change.UserId, cancellationToken);
            if (membership?.Membership == Membership.Join && membership.EventId == change.EventId)
            {
                changed.Add(change.UserId);
            }
            else if (membership?.Membership is Membership.Leave or Membership.Ban && !await SharesRoomAsync(change.UserId))
            {
                left.Add(change.UserId);
            }
        }
        changed.ExceptWith(left);
        return ([.. changed.OrderBy(u => u.Value, StringComparer.Ordinal)], [.. left.OrderBy(u => u.Value, StringComparer.Ordinal)]);
    }

    /// <summary>Wakes the /sync of the user and of everyone sharing a room with them (their device_lists.changed).</summary>
    public async Task NotifyDeviceListChangeAsync(UserId user, CancellationToken cancellationToken)
    {
        // Other servers sharing a room with the user learn of it through m.device_list_update.
        announcer.Wake();
        notifier.NotifyUser(user);
        foreach (var room in await database.Memberships.GetRoomsForUserAsync(user, Membership.Join, cancellationToken))
        {
            notifier.NotifyRoom(room);
        }
    }

    private static void ValidateDeviceKeys(JsonObject keys, UserId user, DeviceId device)
    {
        // spec: definitions/device_keys.yaml — user_id, device_id, algorithms, keys, signatures are required.
        if (keys["user_id"]?.GetValueKind() != JsonValueKind.String || keys["user_id"]!.GetValue<string>() != user.Value)
        {
            throw MatrixException.InvalidParam("'device_keys.user_id' must be the requester's user ID.");
        }
        if (keys["device_id"]?.GetValueKind() != JsonValueKind.String || keys["device_id"]!.GetValue<string>() != device.Value)
        {
            throw MatrixException.InvalidParam("'device_keys.device_id' must be the requester's device ID.");
        }
        if (keys["algorithms"] is not JsonArray algorithms || algorithms.Any(a => a?.GetValueKind() != JsonValueKind.String))
        {
            throw MatrixException.BadJson("'device_keys.algorithms' must be an array of strings.");
        }
        if (keys["keys"] is not JsonObject identityKeys || identityKeys.Any(k => k.Value?.GetValueKind() != JsonValueKind.String))
        {
            throw MatrixException.BadJson("'device_keys.keys' must be an object of key ID to key.");
        }
        if (keys["signatures"] is not JsonObject)
        {
            throw MatrixException.BadJson("'device_keys.signatures' must be an object.");
        }
        string signingKeyId = KeyId.Ed25519 + ":" + device.Value;
        if (!KeyId.TryParse(signingKeyId, out var keyId)
            || !VerifyKey.TryCreate(keyId, identityKeys[signingKeyId]?.GetValue<string>(), out var verifyKey))
        {
            throw MatrixException.InvalidParam($"'device_keys.keys' must contain a valid Ed25519 key '{signingKeyId}'.");
        }
        // spec: "Device keys" — the object is signed by the device's own Ed25519 key.
        var check = JsonSigning.Verify(JsonSerializer.SerializeToElement(keys), user.Value, id => id == keyId ? verifyKey : null);
        if (!check.IsValid)
        {
            throw MatrixException.InvalidParam($"'device_keys' is not signed by '{signingKeyId}': {check.Error}");
        }
    }

    private static List<DeviceKey> ReadKeys(JsonObject body, string field)
    {
        if (body[field] is not { } node)
        {
            return [];
        }
        if (node is not JsonObject keys)
        {
            throw MatrixException.BadJson($"'{field}' must be an object.");
        }
        var result = new List<DeviceKey>();
        foreach (var (name, value) in keys)
        {
            int colon = name.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == name.Length - 1)
            {
                throw MatrixException.InvalidParam($"'{field}' key '{name}' must be '<algorithm>:<key_id>'.");
            }
            // spec: "Key algorithms" — a key is an unpadded base64 string or a key object with a 'key' string.
            bool valid = value?.GetValueKind() == JsonValueKind.String
                || (value is JsonObject keyObject && keyObject["key"]?.GetValueKind() == JsonValueKind.String
                    && keyObject["signatures"] is null or JsonObject);
            if (!valid)
            {
                throw MatrixException.BadJson($"'{field}.{name}' must be a key string or a key object with a 'key' string.");
            }
            // Canonical JSON, so that re-uploading the same key with other whitespace or key order is not a conflict.
            result.Add(new DeviceKey(name[..colon], name[(colon + 1)..], System.Text.Encoding.UTF8.GetString(CanonicalJson.Encode(value, strict: false))));
        }
        return result;
    }

    internal static bool SameIgnoringSignatures(JsonObject stored, JsonObject uploaded)
    {
        var a = stored.DeepClone().AsObject();
        var b = uploaded.DeepClone().AsObject();
        foreach (var o in new[] { a, b })
        {
            o.Remove("signatures");
            o.Remove("unsigned");
        }
        return JsonNode.DeepEquals(a, b);
    }
}
