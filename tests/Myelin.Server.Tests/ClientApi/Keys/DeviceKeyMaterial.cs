using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Crypto;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Keys;

/// <summary>A device's real Ed25519 identity key and the signed key objects a client would upload.</summary>
internal sealed class DeviceKeyMaterial : IDisposable
{
    public DeviceKeyMaterial(TestUser user)
    {
        User = user;
        SigningKey = SigningKey.Generate(user.DeviceId);
    }

    public TestUser User { get; }
    public SigningKey SigningKey { get; }
    public string Curve25519 { get; } = UnpaddedBase64.Encode(Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray());

    /// <summary>The device_keys object, signed by <paramref name="signer"/> (the device's own key by default).</summary>
    public JsonObject DeviceKeys(SigningKey? signer = null, string? userId = null, string? deviceId = null, string? curve25519 = null)
    {
        var keys = new JsonObject
        {
            ["user_id"] = userId ?? User.UserId.Value,
            ["device_id"] = deviceId ?? User.DeviceId,
            ["algorithms"] = new JsonArray("m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"),
            ["keys"] = new JsonObject
            {
                ["curve25519:" + User.DeviceId] = curve25519 ?? Curve25519,
                ["ed25519:" + User.DeviceId] = SigningKey.VerifyKey.PublicKeyBase64,
            },
        };
        return Sign(keys, signer ?? SigningKey, userId ?? User.UserId.Value);
    }

    /// <summary>A signed_curve25519 key object, signed by the device.</summary>
    public JsonObject SignedKey(string key, bool fallback = false)
    {
        var obj = new JsonObject { ["key"] = key };
        if (fallback)
        {
            obj["fallback"] = true;
        }
        return Sign(obj, SigningKey, User.UserId.Value);
    }

    public static JsonObject Sign(JsonObject obj, SigningKey key, string entity) =>
        JsonNode.Parse(JsonSigning.Sign(JsonSerializer.SerializeToElement(obj), entity, key))!.AsObject();

    public void Dispose() => SigningKey.Dispose();
}
