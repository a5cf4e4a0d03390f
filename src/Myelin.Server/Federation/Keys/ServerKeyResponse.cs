using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Federation.Keys;

/// <summary>
/// A validated <c>/_matrix/key/v2/server</c> document: the shape is right, it names the expected server, and it is
/// signed by every key it lists under <c>verify_keys</c>. spec: server-server "Publishing Keys"; keys.yaml.
/// </summary>
public sealed record ServerKeyResponse(ServerName ServerName, IReadOnlyList<VerifyKey> VerifyKeys,
    IReadOnlyList<(VerifyKey Key, long ExpiredTs)> OldVerifyKeys, long ValidUntilTs)
{
    /// <summary>spec: keys.yaml valid_until_ts "Servers MUST use the lesser of this field and 7 days into the future".</summary>
    public static readonly TimeSpan MaxValidity = TimeSpan.FromDays(7);

    /// <summary><see cref="ValidUntilTs"/> capped at <paramref name="nowTs"/> + 7 days.</summary>
    public long EffectiveValidUntilTs(long nowTs) => Math.Min(ValidUntilTs, nowTs + (long)MaxValidity.TotalMilliseconds);

    public static bool TryParse(JsonElement json, ServerName expectedServer, [NotNullWhen(true)] out ServerKeyResponse? response, [NotNullWhen(false)] out string? error)
    {
        response = null;
        if (json.ValueKind != JsonValueKind.Object)
        {
            error = "The key response is not a JSON object.";
            return false;
        }
        if (!json.TryGetProperty("server_name", out var name) || name.ValueKind != JsonValueKind.String
            || !ServerName.TryParse(name.GetString(), out ServerName serverName))
        {
            error = "server_name is missing or not a server name.";
            return false;
        }
        if (!string.Equals(serverName.Value, expectedServer.Value, StringComparison.OrdinalIgnoreCase))
        {
            error = $"The key response is for {serverName}, not {expectedServer}.";
            return false;
        }
        if (!json.TryGetProperty("valid_until_ts", out var validUntil) || validUntil.ValueKind != JsonValueKind.Number || !validUntil.TryGetInt64(out long validUntilTs))
        {
            error = "valid_until_ts is missing or not an integer.";
            return false;
        }
        if (!json.TryGetProperty("verify_keys", out var verifyKeysJson) || verifyKeysJson.ValueKind != JsonValueKind.Object)
        {
            error = "verify_keys is missing or not an object.";
            return false;
        }
        var verifyKeys = new List<VerifyKey>();
        foreach (var property in verifyKeysJson.EnumerateObject())
        {
            if (!TryReadKey(property, out VerifyKey? key, out error))
            {
                return false;
            }
            if (key is not null)
            {
                verifyKeys.Add(key);
            }
        }
        var oldKeys = new List<(VerifyKey, long)>();
        if (json.TryGetProperty("old_verify_keys", out var oldJson))
        {
            if (oldJson.ValueKind != JsonValueKind.Object)
            {
                error = "old_verify_keys is not an object.";
                return false;
            }
            foreach (var property in oldJson.EnumerateObject())
            {
                if (!TryReadKey(property, out VerifyKey? key, out error))
                {
                    return false;
                }
                if (!property.Value.TryGetProperty("expired_ts", out var expired) || expired.ValueKind != JsonValueKind.Number || !expired.TryGetInt64(out long expiredTs))
                {
                    error = $"old_verify_keys.{property.Name}.expired_ts is missing or not an integer.";
                    return false;
                }
                if (key is not null)
                {
                    oldKeys.Add((key, expiredTs));
                }
            }
        }
        if (verifyKeys.Count == 0)
        {
            error = "verify_keys lists no ed25519 key.";
            return false;
        }
        // Every published key must have signed the document: proof that the server holds each private key.
        if (!json.TryGetProperty("signatures", out var signatures) || signatures.ValueKind != JsonValueKind.Object
            || !signatures.TryGetProperty(serverName.Value, out var own) || own.ValueKind != JsonValueKind.Object)
        {
            error = $"The key response is not signed by {serverName}.";
            return false;
        }
        foreach (var key in verifyKeys)
        {
            if (!own.TryGetProperty(key.KeyId.Value, out _))
            {
                error = $"The key response is not signed with its key {key.KeyId}.";
                return false;
            }
        }
        var check = JsonSigning.Verify(json, serverName.Value, verifyKeys);
        if (!check.IsValid)
        {
            error = $"The key response's self-signature is invalid: {check}.";
            return false;
        }
        response = new ServerKeyResponse(serverName, verifyKeys, oldKeys, validUntilTs);
        error = null;
        return true;
    }

    /// <summary>Reads <c>{"key": "…"}</c>; a key of an algorithm other than ed25519 is skipped (null, no error).</summary>
    private static bool TryReadKey(JsonProperty property, out VerifyKey? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        error = null;
        if (!KeyId.TryParse(property.Name, out KeyId keyId))
        {
            error = $"'{property.Name}' is not a key ID.";
            return false;
        }
        if (property.Value.ValueKind != JsonValueKind.Object || !property.Value.TryGetProperty("key", out var keyJson) || keyJson.ValueKind != JsonValueKind.String)
        {
            error = $"Key {keyId} has no 'key' string.";
            return false;
        }
        if (keyId.Algorithm != KeyId.Ed25519)
        {
            return true;
        }
        if (!VerifyKey.TryCreate(keyId, keyJson.GetString(), out key))
        {
            error = $"Key {keyId} is not a 32-byte unpadded base64 Ed25519 key.";
            return false;
        }
        return true;
    }
}
