using System.Text.Json.Nodes;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Json;

namespace Myelin.Server.Tests.ClientApi.Keys;

/// <summary>A user's three cross-signing keys (real Ed25519), as a client builds them.</summary>
internal sealed class CrossSigningKeyMaterial : IDisposable
{
    public CrossSigningKeyMaterial(string userId)
    {
        UserId = userId;
    }

    public string UserId { get; }
    public SigningKey Master { get; } = SigningKey.Generate("m");
    public SigningKey SelfSigning { get; } = SigningKey.Generate("s");
    public SigningKey UserSigning { get; } = SigningKey.Generate("u");

    /// <summary>The key ID a cross-signing key is known by: <c>ed25519:&lt;public key&gt;</c>.</summary>
    public static string KeyId(SigningKey key) => "ed25519:" + key.VerifyKey.PublicKeyBase64;

    public JsonObject KeyObject(SigningKey key, string usage, SigningKey? signer)
    {
        var obj = new JsonObject
        {
            ["user_id"] = UserId,
            ["usage"] = new JsonArray(usage),
            ["keys"] = new JsonObject { [KeyId(key)] = key.VerifyKey.PublicKeyBase64 },
        };
        return signer is null ? obj : SignAs(obj, signer, UserId, KeyId(signer));
    }

    public JsonObject MasterKey() => KeyObject(Master, "master", null);
    public JsonObject SelfSigningKey(SigningKey? signer = null) => KeyObject(SelfSigning, "self_signing", signer ?? Master);
    public JsonObject UserSigningKey(SigningKey? signer = null) => KeyObject(UserSigning, "user_signing", signer ?? Master);

    /// <summary>Adds <paramref name="entity"/>'s signature under <paramref name="keyId"/>. spec: appendices "Signing JSON".</summary>
    public static JsonObject SignAs(JsonObject obj, SigningKey key, string entity, string keyId)
    {
        var result = obj.DeepClone().AsObject();
        var toSign = obj.DeepClone().AsObject();
        toSign.Remove("signatures");
        toSign.Remove("unsigned");
        string signature = UnpaddedBase64.Encode(key.Sign(CanonicalJson.Encode(toSign)));
        var signatures = result["signatures"] as JsonObject ?? (JsonObject)(result["signatures"] = new JsonObject());
        var bySigner = signatures[entity] as JsonObject ?? (JsonObject)(signatures[entity] = new JsonObject());
        bySigner[keyId] = signature;
        return result;
    }

    public void Dispose()
    {
        Master.Dispose();
        SelfSigning.Dispose();
        UserSigning.Dispose();
    }
}
