using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using static Myelin.Protocol.Tests.Events.PduTestEvents;

namespace Myelin.Protocol.Tests.Events;

public class PduBuilderTests
{
    public static TheoryData<string> AllVersions => new() { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12" };

    [Theory]
    [MemberData(nameof(AllVersions))]
    public void Builds_signed_events_that_parse_and_verify_in_every_room_version(string versionId)
    {
        var version = KnownRoomVersions.All[versionId];
        using var key = Key();
        var template = Message(version);
        Pdu pdu = PduBuilder.Build(template, Origin, key);

        Assert.Equal(template.RoomId, pdu.RoomId);
        Assert.Equal(Alice, pdu.Sender);
        Assert.Equal("hello", pdu.Content.GetProperty("body").GetString());
        Assert.Equal(template.PrevEvents, pdu.PrevEvents);
        Assert.Equal(template.AuthEvents, pdu.AuthEvents);
        Assert.Equal(5, pdu.Depth);
        Assert.Equal(1_700_000_000_000, pdu.OriginServerTs);
        Assert.Null(pdu.StateKey);
        Assert.True(EventSigning.VerifySignature(pdu, Origin.Value, id => id == key.KeyId ? key.VerifyKey : null).IsValid);
        Assert.True(EventHashing.CheckContentHash(pdu.Root, version));

        // The bytes are canonical JSON and reparse to the same event.
        Assert.Equal(pdu.Json.ToArray(), Myelin.Protocol.Json.CanonicalJson.Encode(pdu.Root, version.StrictCanonicalJson));
        Pdu again = PduParser.Parse(pdu.Json, version);
        Assert.Equal(pdu.EventId, again.EventId);
    }

    [Theory]
    [InlineData("3", false)]
    [InlineData("4", true)]
    [InlineData("11", true)]
    public void V3_plus_event_ids_are_the_reference_hash(string versionId, bool urlSafe)
    {
        var version = KnownRoomVersions.All[versionId];
        using var key = Key();
        Pdu pdu = PduBuilder.Build(Message(version), Origin, key);
        byte[] redactedWithoutSignatures = Myelin.Protocol.Json.CanonicalJson.Encode(
            JsonDocument.Parse(EventRedaction.Redact(pdu.Json.Span, version)).RootElement);
        // Recompute by hand: the redacted event minus signatures, canonical, SHA-256.
        var node = System.Text.Json.Nodes.JsonNode.Parse(redactedWithoutSignatures)!.AsObject();
        node.Remove("signatures");
        byte[] hash = SHA256.HashData(Myelin.Protocol.Json.CanonicalJson.Encode(node));
        string expected = "$" + (urlSafe ? UnpaddedBase64.EncodeUrlSafe(hash) : UnpaddedBase64.Encode(hash));
        Assert.Equal(expected, pdu.EventId.Value);
        Assert.Null(pdu.EventId.Server);
        Assert.DoesNotContain("event_id", Encoding.UTF8.GetString(pdu.Json.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void V1_events_carry_a_server_scoped_event_id_and_hash_pairs()
    {
        using var key = Key();
        Pdu pdu = PduBuilder.Build(Message(KnownRoomVersions.V1), Origin, key);
        Assert.Equal(Origin, pdu.EventId.Server);
        var prev = pdu.Root.GetProperty("prev_events")[0];
        Assert.Equal("$prev:example.org", prev[0].GetString());
        Assert.Equal(UnpaddedBase64.Encode(new byte[32]), prev[1].GetProperty("sha256").GetString());
        Assert.Equal(pdu.EventId.Value, pdu.Root.GetProperty("event_id").GetString());
    }

    [Fact]
    public void V12_create_event_has_no_room_id_and_the_room_id_is_its_hash()
    {
        using var key = Key();
        var template = new PduTemplate
        {
            RoomVersion = KnownRoomVersions.V12,
            Sender = Alice,
            Type = EventTypes.Create,
            StateKey = "",
            Content = ParseJson("""{"room_version":"12"}"""),
            Depth = 1,
            OriginServerTs = 1,
        };
        Pdu create = PduBuilder.Build(template, Origin, key);
        Assert.False(create.Root.TryGetProperty("room_id", out _));
        Assert.Equal("!" + create.EventId.Value[1..], create.RoomId.Value);
        Assert.True(create.RoomId.IsDomainless);

        Assert.False(PduBuilder.TryBuild(template with { RoomId = create.RoomId }, Origin, key, out _, out string? error));
        Assert.Contains("room_id", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Redactions_put_redacts_where_the_version_wants_it()
    {
        using var key = Key();
        var target = EventId.Parse("$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg");
        var v10 = PduBuilder.Build(Message(KnownRoomVersions.V10) with { Type = EventTypes.Redaction, Content = ParseJson("{}"), Redacts = target }, Origin, key);
        Assert.Equal(target, v10.Redacts);
        Assert.Equal(target.Value, v10.Root.GetProperty("redacts").GetString());

        var v11 = PduBuilder.Build(Message(KnownRoomVersions.V11) with { Type = EventTypes.Redaction, Content = ParseJson($$"""{"redacts":"{{target.Value}}"}""") }, Origin, key);
        Assert.Equal(target, v11.Redacts);
        Assert.False(PduBuilder.TryBuild(Message(KnownRoomVersions.V11) with { Type = EventTypes.Redaction, Redacts = target }, Origin, key, out _, out _));
    }

    [Fact]
    public void State_events_and_unsigned_data_are_kept()
    {
        using var key = Key();
        var pdu = PduBuilder.Build(Message(KnownRoomVersions.V11) with
        {
            Type = EventTypes.Member,
            StateKey = Alice.Value,
            Content = ParseJson("""{"membership":"join","displayname":"Alice 日本"}"""),
            Unsigned = ParseJson("""{"transaction_id":"t1"}"""),
        }, Origin, key);
        Assert.Equal(new StateKey(EventTypes.Member, Alice.Value), pdu.StateTuple);
        Assert.Equal("Alice 日本", pdu.Content.GetProperty("displayname").GetString());
        Assert.Equal("t1", pdu.Root.GetProperty("unsigned").GetProperty("transaction_id").GetString());
    }

    [Fact]
    public void Invalid_templates_are_errors()
    {
        using var key = Key();
        Assert.False(PduBuilder.TryBuild(Message(KnownRoomVersions.V11) with { Content = ParseJson("[]") }, Origin, key, out _, out _));
        Assert.False(PduBuilder.TryBuild(Message(KnownRoomVersions.V11) with { Content = ParseJson("""{"f":1.5}""") }, Origin, key, out _, out string? error));
        Assert.Contains("float", error, StringComparison.Ordinal);
        Assert.False(PduBuilder.TryBuild(Message(KnownRoomVersions.V11) with { RoomId = null }, Origin, key, out _, out _));
        Assert.False(PduBuilder.TryBuild(Message(KnownRoomVersions.V1) with { ReferenceHashOf = null }, Origin, key, out _, out _));
        Assert.False(PduBuilder.TryBuild(Message(KnownRoomVersions.V11) with { Type = new string('t', 256) }, Origin, key, out _, out error));
        Assert.Contains("type", error, StringComparison.Ordinal);
        Assert.False(PduBuilder.TryBuild(Message(KnownRoomVersions.V11, new string('x', 70_000)), Origin, key, out _, out error));
        Assert.Contains("65536", error, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => PduBuilder.Build(Message(KnownRoomVersions.V11) with { RoomId = null }, Origin, key));
    }
}
