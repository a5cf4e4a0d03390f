using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.E2ee.Federation;
using Myelin.Server.Http;
using Myelin.Storage;

namespace Myelin.Server.E2ee;

/// <summary>
/// Cross-signing keys and signatures. spec: client-server "Cross-signing", openapi cross_signing.yaml.
/// </summary>
public sealed class CrossSigningService(MyelinDatabase database, E2eeKeyService keys, MyelinConfig config, RemoteDeviceLists remoteLists,
    RemoteDeviceKeys remoteKeys)
{
    private const string InvalidSignature = "M_INVALID_SIGNATURE";

    /// <summary>The validated keys of a POST /keys/device_signing/upload body (type → key object).</summary>
    public static Dictionary<string, JsonObject> ReadUpload(UserId user, JsonObject body)
    {
        var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var (field, usage) in new[] { ("master_key", CrossSigningKeyTypes.Master), ("self_signing_key", CrossSigningKeyTypes.SelfSigning), ("user_signing_key", CrossSigningKeyTypes.UserSigning) })
        {
            if (body[field] is not { } node)
            {
                continue;
            }
            var key = node as JsonObject ?? throw MatrixException.BadJson($"'{field}' must be an object.");
            if (key["user_id"]?.GetValueKind() != JsonValueKind.String || key["user_id"]!.GetValue<string>() != user.Value)
            {
                throw MatrixException.InvalidParam($"'{field}.user_id' must be the requester's user ID.");
            }
            if (key["usage"] is not JsonArray usages || usages.Any(u => u?.GetValueKind() != JsonValueKind.String)
                || !usages.Any(u => u!.GetValue<string>() == usage))
            {
                throw MatrixException.InvalidParam($"'{field}.usage' must be an array containing '{usage}'.");
            }
            _ = PublicKey(key, field);
            if (key["signatures"] is not null and not JsonObject)
            {
                throw MatrixException.BadJson($"'{field}.signatures' must be an object.");
            }
            result[usage] = key;
        }
        return result;
    }

    /// <summary>
    /// spec: UIA is not required when no master key exists yet, or when every uploaded key equals the stored one.
    /// </summary>
    public async Task<bool> RequiresAuthAsync(UserId user, IReadOnlyDictionary<string, JsonObject> upload, CancellationToken cancellationToken)
    {
        var stored = await database.E2eeKeys.GetCrossSigningKeysAsync(user, cancellationToken);
        if (!stored.ContainsKey(CrossSigningKeyTypes.Master))
        {
            return false;
        }
        // Compared without signatures: the stored master key gathers signatures of the user's devices (signatures/upload).
        return upload.Any(k => !stored.TryGetValue(k.Key, out string? json) || !E2eeKeyService.SameIgnoringSignatures(JsonNode.Parse(json)!.AsObject(), k.Value));
    }

    /// <summary>Stores the keys after checking that the self- and user-signing keys are signed by the master key.</summary>
    public async Task UploadAsync(UserId user, IReadOnlyDictionary<string, JsonObject> upload, CancellationToken cancellationToken)
    {
        var stored = await database.E2eeKeys.GetCrossSigningKeysAsync(user, cancellationToken);
        JsonObject? master = upload.GetValueOrDefault(CrossSigningKeyTypes.Master)
            ?? (stored.TryGetValue(CrossSigningKeyTypes.Master, out string? json) ? JsonNode.Parse(json)!.AsObject() : null);
        if (master is null)
        {
            if (upload.Count > 0)
            {
                throw MatrixException.MissingParam("No master signing key is available.");
            }
            return;
        }
        var masterKey = PublicKey(master, "master_key");
        var devices = await database.Devices.ListAsync(user, cancellationToken);
        foreach (var (type, key) in upload)
        {
            var publicKey = PublicKey(key, type);
            // spec: 403 "The public key of one of the keys is the same as one of the user's device IDs".
            if (devices.Any(d => d.DeviceId.Value == publicKey.KeyId.Version))
            {
                throw MatrixException.Forbidden($"The {type} key's ID is one of the user's device IDs.");
            }
            if (type != CrossSigningKeyTypes.Master && !JsonSigning.Verify(JsonSerializer.SerializeToElement(key), user.Value, [masterKey]).IsValid)
            {
                throw new MatrixException(InvalidSignature, $"The {type} key is not signed by the master key.", 400);
            }
        }
        var toStore = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (type, key) in upload)
        {
            if (stored.TryGetValue(type, out string? oldJson) && E2eeKeyService.SameIgnoringSignatures(JsonNode.Parse(oldJson)!.AsObject(), key))
            {
                // The same key again: keep the signatures it gathered, add any new ones.
                var merged = JsonNode.Parse(oldJson)!.AsObject();
                MergeSignatures(merged, key);
                if (!JsonNode.DeepEquals(merged, JsonNode.Parse(oldJson)))
                {
                    toStore[type] = merged.ToJsonString();
                }
                continue;
            }
            toStore[type] = key.ToJsonString();
        }
        if (toStore.Count > 0)
        {
            await database.E2eeKeys.SetCrossSigningKeysAsync(user, toStore, deviceListChange: true, cancellationToken);
            await keys.NotifyDeviceListChangeAsync(user, cancellationToken);
        }
    }

    private static void MergeSignatures(JsonObject target, JsonObject source)
    {
        if (source["signatures"] is not JsonObject incoming)
        {
            return;
        }
        var signatures = target["signatures"] as JsonObject ?? (JsonObject)(target["signatures"] = new JsonObject());
        foreach (var (signer, byKey) in incoming)
        {
            if (byKey is not JsonObject keysOfSigner)
            {
                continue;
            }
            var existing = signatures[signer] as JsonObject ?? (JsonObject)(signatures[signer] = new JsonObject());
            foreach (var (keyId, signature) in keysOfSigner)
            {
                existing[keyId] = signature?.DeepClone();
            }
        }
    }

    /// <summary>POST /keys/signatures/upload: applies each signature; returns the <c>failures</c> object.</summary>
    public async Task<JsonObject> UploadSignaturesAsync(UserId signer, JsonObject body, CancellationToken cancellationToken)
    {
        var failures = new JsonObject();
        void Fail(string user, string keyId, string errcode, string error)
        {
            var userFailures = failures[user] as JsonObject ?? (JsonObject)(failures[user] = new JsonObject());
            userFailures[keyId] = new JsonObject { ["errcode"] = errcode, ["error"] = error };
        }
        var own = await database.E2eeKeys.GetCrossSigningKeysAsync(signer, cancellationToken);
        bool changedOwn = false;
        foreach (var (userText, keysNode) in body)
        {
            if (!UserId.TryParse(userText, out var target))
            {
                throw MatrixException.InvalidParam($"'{userText}' is not a user ID.");
            }
            if (keysNode is not JsonObject signedKeys || signedKeys.Any(k => k.Value is not JsonObject))
            {
                throw MatrixException.BadJson($"'{userText}' must be an object of key ID to signed key object.");
            }
            foreach (var (keyId, signedNode) in signedKeys)
            {
                var signed = signedNode!.AsObject();
                try
                {
                    changedOwn |= await ApplySignatureAsync(signer, own, target, keyId, signed, cancellationToken);
                }
                catch (MatrixException e)
                {
                    Fail(userText, keyId, e.ErrCode, e.Message);
                }
            }
        }
        if (changedOwn)
        {
            await keys.NotifyDeviceListChangeAsync(signer, cancellationToken);
        }
        return new JsonObject { ["failures"] = failures };
    }

    private async Task<bool> ApplySignatureAsync(UserId signer, IReadOnlyDictionary<string, string> own, UserId target, string keyId, JsonObject signed, CancellationToken cancellationToken)
    {
        if (target == signer)
        {
            if (DeviceId.TryParse(keyId, out var device) && await database.E2eeKeys.GetDeviceKeysAsync(signer, device, cancellationToken) is { } deviceJson)
            {
                // One of the signer's devices, signed by their self-signing key.
                var selfSigning = StoredKey(own, CrossSigningKeyTypes.SelfSigning, "self-signing");
                var merged = Merge(JsonNode.Parse(deviceJson)!.AsObject(), signed, signer, [selfSigning]);
                await database.E2eeKeys.ReplaceDeviceKeysAsync(signer, device, merged.ToJsonString(), cancellationToken);
                return true;
            }
            if (own.TryGetValue(CrossSigningKeyTypes.Master, out string? masterJson) && PublicKey(JsonNode.Parse(masterJson)!.AsObject(), "master").KeyId.Version == keyId)
            {
                // The signer's master key, signed by one of their devices.
                var deviceKeys = new List<VerifyKey>();
                foreach (var record in await database.E2eeKeys.GetDevicesWithKeysAsync([signer], cancellationToken))
                {
                    string id = KeyId.Ed25519 + ":" + record.DeviceId.Value;
                    if (record.KeyJson is not null && JsonNode.Parse(record.KeyJson)!["keys"]?[id]?.GetValue<string>() is { } b64
                        && VerifyKey.TryCreate(KeyId.Parse(id), b64, out var verifyKey))
                    {
                        deviceKeys.Add(verifyKey);
                    }
                }
                var merged = Merge(JsonNode.Parse(masterJson)!.AsObject(), signed, signer, deviceKeys);
                await database.E2eeKeys.SetCrossSigningKeysAsync(signer, new Dictionary<string, string> { [CrossSigningKeyTypes.Master] = merged.ToJsonString() }, deviceListChange: true, cancellationToken);
                return true;
            }
            throw MatrixException.NotFound($"'{keyId}' is neither a device with keys nor the master key.");
        }
        // Another user's master key, signed by the signer's user-signing key.
        var theirs = target.Server == config.ServerName
            ? await database.E2eeKeys.GetCrossSigningKeysAsync(target, cancellationToken)
            : await RemoteCrossSigningKeysAsync(target, cancellationToken);
        if (!theirs.TryGetValue(CrossSigningKeyTypes.Master, out string? theirMaster) || PublicKey(JsonNode.Parse(theirMaster)!.AsObject(), "master").KeyId.Version != keyId)
        {
            throw MatrixException.NotFound($"'{keyId}' is not {target}'s master key.");
        }
        var userSigning = StoredKey(own, CrossSigningKeyTypes.UserSigning, "user-signing");
        Merge(JsonNode.Parse(theirMaster)!.AsObject(), signed, signer, [userSigning]);
        string signature = signed["signatures"]![signer.Value]![userSigning.KeyId.Value]!.GetValue<string>();
        await database.E2eeKeys.AddUserSignatureAsync(signer, userSigning.KeyId.Value, target, keyId, signature, cancellationToken);
        return false;
    }

    /// <summary>A remote user's public cross-signing keys: from the device-list cache when current, else asked of their server.</summary>
    private async Task<IReadOnlyDictionary<string, string>> RemoteCrossSigningKeysAsync(UserId target, CancellationToken cancellationToken)
    {
        if (await remoteLists.IsCurrentAsync(target, cancellationToken))
        {
            return await database.RemoteDeviceLists.GetCrossSigningKeysAsync(target, cancellationToken);
        }
        var result = new KeyQueryResult();
        await remoteKeys.QueryAsync(new Dictionary<UserId, HashSet<string>?> { [target] = null }, TimeSpan.FromSeconds(10), result, cancellationToken);
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        if (result.MasterKeys[target.Value] is JsonObject master)
        {
            keys[CrossSigningKeyTypes.Master] = master.ToJsonString();
        }
        return keys;
    }

    /// <summary>
    /// Checks that <paramref name="signed"/> is the stored object plus a valid signature by one of <paramref name="signers"/>
    /// (spec: "must match the key previously uploaded ... with the exception of the signatures property"), and returns the
    /// stored object with the new signatures added.
    /// </summary>
    private static JsonObject Merge(JsonObject stored, JsonObject signed, UserId signer, IReadOnlyList<VerifyKey> signers)
    {
        var a = stored.DeepClone().AsObject();
        var b = signed.DeepClone().AsObject();
        foreach (var o in new[] { a, b })
        {
            o.Remove("signatures");
            o.Remove("unsigned");
        }
        if (!JsonNode.DeepEquals(a, b))
        {
            throw MatrixException.InvalidParam("The signed object does not match the stored key.");
        }
        if (signed["signatures"]?[signer.Value] is not JsonObject newSignatures)
        {
            throw new MatrixException(InvalidSignature, $"No signature from {signer}.", 400);
        }
        var known = signers.ToDictionary(k => k.KeyId.Value, StringComparer.Ordinal);
        var relevant = newSignatures.Where(s => known.ContainsKey(s.Key)).ToList();
        var check = JsonSigning.Verify(JsonSerializer.SerializeToElement(signed), signer.Value, id => known.GetValueOrDefault(id.Value));
        if (relevant.Count == 0 || !check.IsValid)
        {
            throw new MatrixException(InvalidSignature, $"The signature does not verify: {check.Error ?? "no signature by a signing key"}.", 400);
        }
        var result = stored.DeepClone().AsObject();
        var signatures = result["signatures"] as JsonObject ?? (JsonObject)(result["signatures"] = new JsonObject());
        var mine = signatures[signer.Value] as JsonObject ?? (JsonObject)(signatures[signer.Value] = new JsonObject());
        foreach (var (id, value) in relevant)
        {
            mine[id] = value!.DeepClone();
        }
        return result;
    }

    private static VerifyKey StoredKey(IReadOnlyDictionary<string, string> own, string type, string name) =>
        own.TryGetValue(type, out string? json)
            ? PublicKey(JsonNode.Parse(json)!.AsObject(), type)
            : throw MatrixException.NotFound($"No {name} key has been uploaded.");

    /// <summary>The key's single Ed25519 public key (<c>keys</c> has exactly one <c>ed25519:&lt;key&gt;</c> entry equal to its value).</summary>
    private static VerifyKey PublicKey(JsonObject key, string field)
    {
        if (key["keys"] is not JsonObject keys || keys.Count != 1 || keys.First() is not { Value: JsonValue value } entry
            || value.GetValueKind() != JsonValueKind.String || !KeyId.TryParse(entry.Key, out var keyId)
            || keyId.Algorithm != KeyId.Ed25519 || keyId.Version != value.GetValue<string>()
            || !VerifyKey.TryCreate(keyId, value.GetValue<string>(), out var verifyKey))
        {
            throw MatrixException.InvalidParam($"'{field}.keys' must hold exactly one 'ed25519:<public key>' entry whose value is that public key.");
        }
        return verifyKey;
    }
}
