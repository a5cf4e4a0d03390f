using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Keys;

namespace Myelin.Server.Tests.Federation;

/// <summary>Validation of fetched key documents. spec: server-server "Publishing Keys"; keys.yaml.</summary>
public sealed class ServerKeyResponseTests : IDisposable
{
    private static readonly ServerName Server = ServerName.Parse("remote.example");
    private readonly SigningKey _key = SigningKey.Generate("k1");
    private readonly SigningKey _second = SigningKey.Generate("k2");

    public void Dispose()
    {
        _key.Dispose();
        _second.Dispose();
    }

    private JsonObject Document(long validUntil = 5000) => new()
    {
        ["server_name"] = Server.Value,
        ["valid_until_ts"] = validUntil,
        ["verify_keys"] = new JsonObject { [_key.KeyId.Value] = new JsonObject { ["key"] = _key.VerifyKey.PublicKeyBase64 } },
        ["old_verify_keys"] = new JsonObject
        {
            ["ed25519:old"] = new JsonObject { ["key"] = _second.VerifyKey.PublicKeyBase64, ["expired_ts"] = 10 },
        },
    };

    private static JsonElement Signed(JsonObject document, params SigningKey[] keys)
    {
        var element = JsonDocument.Parse(document.ToJsonString()).RootElement;
        foreach (var key in keys)
        {
            element = JsonDocument.Parse(JsonSigning.Sign(element, Server.Value, key)).RootElement;
        }
        return element;
    }

    private static string Reject(JsonElement json)
    {
        Assert.False(ServerKeyResponse.TryParse(json, Server, out var response, out string? error));
        Assert.Null(response);
        return error!;
    }

    [Fact]
    public void A_self_signed_document_is_read_with_its_current_and_old_keys()
    {
        Assert.True(ServerKeyResponse.TryParse(Signed(Document(), _key), Server, out var response, out string? error), error);
        Assert.Equal(_key.KeyId, Assert.Single(response.VerifyKeys).KeyId);
        var (old, expired) = Assert.Single(response.OldVerifyKeys);
        Assert.Equal(("ed25519:old", 10L), (old.KeyId.Value, expired));
        Assert.Equal(5000, response.ValidUntilTs);
        // spec: "Servers MUST use the lesser of this field and 7 days into the future".
        Assert.Equal(5000, response.EffectiveValidUntilTs(0));
        var far = Document(9007199254740991);
        Assert.True(ServerKeyResponse.TryParse(Signed(far, _key), Server, out var farResponse, out _));
        Assert.Equal(100 + (long)TimeSpan.FromDays(7).TotalMilliseconds, farResponse.EffectiveValidUntilTs(100));
    }

    [Fact]
    public void Unsigned_wrongly_signed_or_tampered_documents_are_rejected()
    {
        Assert.Contains("not signed", Reject(Signed(Document())));
        Assert.Contains("not signed with its key ed25519:k1", Reject(Signed(Document(), _second)));
        using var impostor = SigningKey.Generate("k1");
        Assert.Contains("self-signature", Reject(Signed(Document(), impostor)));
        var tampered = JsonNode.Parse(Signed(Document(), _key).GetRawText())!.AsObject();
        tampered["valid_until_ts"] = 999999;
        Assert.Contains("self-signature", Reject(JsonDocument.Parse(tampered.ToJsonString()).RootElement));

        // Every published key must have signed.
        var two = Document();
        two["verify_keys"]![_second.KeyId.Value + "x"] = new JsonObject { ["key"] = _second.VerifyKey.PublicKeyBase64 };
        Assert.Contains("k2x", Reject(Signed(two, _key)));
    }

    [Fact]
    public void Documents_for_another_server_or_with_bad_fields_are_rejected()
    {
        var other = Document();
        other["server_name"] = "other.example";
        Assert.Contains("other.example", Reject(Signed(other, _key)));

        foreach (var (field, value) in new (string, JsonNode?)[]
        {
            ("server_name", 5), ("valid_until_ts", "soon"), ("verify_keys", new JsonArray()), ("old_verify_keys", "x"),
        })
        {
            var bad = Document();
            bad[field] = value;
            Assert.Contains(field, Reject(Signed(bad, _key)));
        }
        var noValidity = Document();
        noValidity.Remove("valid_until_ts");
        Assert.Contains("valid_until_ts", Reject(Signed(noValidity, _key)));

        var badKey = Document();
        badKey["verify_keys"]![_key.KeyId.Value]!["key"] = "AAAA";
        Assert.Contains("32-byte", Reject(Signed(badKey, _key)));
        var noExpiry = Document();
        noExpiry["old_verify_keys"]!["ed25519:old"]!.AsObject().Remove("expired_ts");
        Assert.Contains("expired_ts", Reject(Signed(noExpiry, _key)));
        var noKeys = Document();
        noKeys["verify_keys"] = new JsonObject();
        Assert.Contains("no ed25519 key", Reject(Signed(noKeys, _key)));
        Assert.Contains("not a JSON object", Reject(JsonDocument.Parse("[]").RootElement));
    }
}
