using System.Text.Json;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation;

namespace Myelin.Server.ServerKeys;

/// <summary>
/// This server's own keys: the signing key (from <c>signing_key_path</c>) and the retired keys it still publishes,
/// and the signed <c>/_matrix/key/v2/server</c> document. spec: server-server "Publishing Keys".
/// </summary>
public sealed class ServerKeyRing
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _validity;
    private readonly Lock _gate = new();
    private (byte[] Json, long ValidUntilTs, long RefreshAtTs)? _published;

    public ServerKeyRing(MyelinConfig config, SigningKey signingKey, FederationOptions options, TimeProvider time)
    {
        ServerName = config.ServerName;
        SigningKey = signingKey;
        // The current key is never also an old key, whatever the file says.
        OldKeys = [.. OldSigningKeysFile.Load(config.SigningKeyPath).Where(k => k.KeyId != signingKey.KeyId)];
        _time = time;
        _validity = options.KeyValidityPeriod;
    }

    public ServerName ServerName { get; }

    /// <summary>The key every outbound request and event is signed with.</summary>
    public SigningKey SigningKey { get; }

    public IReadOnlyList<OldVerifyKey> OldKeys { get; }

    /// <summary>Our own verify key by ID: the current key (valid for everything) or an old one (for events only).</summary>
    public VerifyKey? FindVerifyKey(KeyId keyId, bool includeOld)
    {
        if (keyId == SigningKey.KeyId)
        {
            return SigningKey.VerifyKey;
        }
        return includeOld && OldKeys.FirstOrDefault(k => k.KeyId == keyId) is { } old && VerifyKey.TryCreate(old.KeyId, old.PublicKeyBase64, out var key)
            ? key
            : null;
    }

    /// <summary>
    /// The signed key document as canonical JSON. Re-signed once half its validity has passed, so a response
    /// never claims less than half <see cref="FederationOptions.KeyValidityPeriod"/>.
    /// </summary>
    public byte[] GetPublishedKeys()
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            if (_published is { } published && now < published.RefreshAtTs)
            {
                return published.Json;
            }
            long validUntil = now + (long)_validity.TotalMilliseconds;
            byte[] json = Sign(validUntil);
            _published = (json, validUntil, now + (long)(_validity.TotalMilliseconds / 2));
            return json;
        }
    }

    private byte[] Sign(long validUntilTs)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("server_name", ServerName.Value);
            writer.WriteStartObject("verify_keys");
            writer.WriteStartObject(SigningKey.KeyId.Value);
            writer.WriteString("key", SigningKey.VerifyKey.PublicKeyBase64);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteStartObject("old_verify_keys");
            foreach (var old in OldKeys)
            {
                writer.WriteStartObject(old.KeyId.Value);
                writer.WriteString("key", old.PublicKeyBase64);
                writer.WriteNumber("expired_ts", old.ExpiredTs);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
            writer.WriteNumber("valid_until_ts", validUntilTs);
            writer.WriteEndObject();
        }
        using var document = JsonDocument.Parse(buffer.ToArray());
        return JsonSigning.Sign(document.RootElement, ServerName.Value, SigningKey);
    }
}
