using System.Text;
using System.Text.Json;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Events;
using Myelin.Protocol.RoomVersions;
using Myelin.Protocol.Tests.Crypto;

namespace Myelin.Protocol.Tests.Events;

public class EventSigningTests
{
    private const string MinimalEvent = """
        {
            "room_id": "!x:domain",
            "sender": "@a:domain",
            "origin": "domain",
            "origin_server_ts": 1000000,
            "signatures": {},
            "hashes": {},
            "type": "X",
            "content": {},
            "prev_events": [],
            "auth_events": [],
            "depth": 3,
            "unsigned": {
                "age_ts": 1000000
            }
        }
        """;

    private const string RedactableEvent = """
        {
            "content": {
                "body": "Here is the message content"
            },
            "event_id": "$0:domain",
            "origin": "domain",
            "origin_server_ts": 1000000,
            "type": "m.room.message",
            "room_id": "!r:domain",
            "sender": "@u:domain",
            "signatures": {},
            "unsigned": {
                "age_ts": 1000000
            }
        }
        """;

    public static TheoryData<string> VersionsKeepingOrigin => new() { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10" };

    private static JsonElement Sign(string json, RoomVersion version)
    {
        using var key = SpecTestVectors.Key();
        Assert.True(EventSigning.TryHashAndSign(Encoding.UTF8.GetBytes(json), version, "domain", key, out byte[]? signed, out string? error), error);
        return JsonDocument.Parse(signed).RootElement;
    }

    // spec: appendices "Event Signing" — the vectors use the pre-v11 redaction rules (top-level origin is protected).
    [Theory]
    [MemberData(nameof(VersionsKeepingOrigin))]
    public void Minimal_event_signs_like_the_spec(string versionId)
    {
        var signed = Sign(MinimalEvent, KnownRoomVersions.All[versionId]);
        Assert.Equal("5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos", signed.GetProperty("hashes").GetProperty("sha256").GetString());
        Assert.Equal("KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg",
            signed.GetProperty("signatures").GetProperty("domain").GetProperty("ed25519:1").GetString());
        Assert.Equal(1000000, signed.GetProperty("unsigned").GetProperty("age_ts").GetInt64());
    }

    [Theory]
    [MemberData(nameof(VersionsKeepingOrigin))]
    public void Redactable_event_signs_like_the_spec(string versionId)
    {
        var signed = Sign(RedactableEvent, KnownRoomVersions.All[versionId]);
        Assert.Equal("onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g", signed.GetProperty("hashes").GetProperty("sha256").GetString());
        Assert.Equal("Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA",
            signed.GetProperty("signatures").GetProperty("domain").GetProperty("ed25519:1").GetString());
        Assert.Equal("Here is the message content", signed.GetProperty("content").GetProperty("body").GetString());
    }

    [Fact]
    public void V11_no_longer_protects_origin_so_the_signature_differs()
    {
        var v10 = Sign(MinimalEvent, KnownRoomVersions.V10);
        var v11 = Sign(MinimalEvent, KnownRoomVersions.V11);
        Assert.Equal(v10.GetProperty("hashes").GetRawText(), v11.GetProperty("hashes").GetRawText());
        Assert.NotEqual(v10.GetProperty("signatures").GetRawText(), v11.GetProperty("signatures").GetRawText());
    }

    [Fact]
    public void Signature_verifies_on_full_and_redacted_copies_and_content_hash_only_on_full()
    {
        using var key = SpecTestVectors.Key();
        var version = KnownRoomVersions.V10;
        var signed = Sign(RedactableEvent, version);
        Assert.True(EventSigning.VerifySignature(signed, version, "domain", _ => key.VerifyKey).IsValid);
        Assert.True(EventHashing.CheckContentHash(signed, version));

        var redacted = JsonDocument.Parse(EventRedaction.Redact(Encoding.UTF8.GetBytes(signed.GetRawText()), version)).RootElement;
        Assert.True(EventSigning.VerifySignature(redacted, version, "domain", _ => key.VerifyKey).IsValid);
        Assert.False(EventHashing.CheckContentHash(redacted, version));

        var tampered = JsonDocument.Parse(signed.GetRawText().Replace("1000000", "1000001", StringComparison.Ordinal)).RootElement;
        Assert.Equal(SignatureCheckStatus.BadSignature, EventSigning.VerifySignature(tampered, version, "domain", _ => key.VerifyKey).Status);
    }

    [Fact]
    public void Content_hash_changes_with_content_but_not_unsigned()
    {
        var version = KnownRoomVersions.V10;
        var signed = Sign(RedactableEvent, version);
        var otherBody = JsonDocument.Parse(signed.GetRawText().Replace("Here is", "Here was", StringComparison.Ordinal)).RootElement;
        Assert.False(EventHashing.CheckContentHash(otherBody, version));
        var otherUnsigned = JsonDocument.Parse(signed.GetRawText().Replace("\"age_ts\":1000000", "\"age_ts\":7", StringComparison.Ordinal)).RootElement;
        Assert.True(EventHashing.CheckContentHash(otherUnsigned, version));
    }
}
