using System.Text;
using System.Text.Json.Nodes;
using Myelin.Protocol.Events;
using Myelin.Protocol.RoomVersions;
using static Myelin.Protocol.Tests.Events.PduTestEvents;

namespace Myelin.Protocol.Tests.Events;

public class PduParserTests
{
    private static JsonObject SignedMessage(RoomVersion version)
    {
        using var key = Key();
        return JsonNode.Parse(PduBuilder.Build(Message(version), Origin, key).Json.Span)!.AsObject();
    }

    private static string? ParseError(JsonObject pdu, RoomVersion version) => ParseError(Encoding.UTF8.GetBytes(pdu.ToJsonString()), version);

    private static string? ParseError(byte[] json, RoomVersion version)
    {
        bool ok = PduParser.TryParse(json, version, out Pdu? parsed, out string? error);
        Assert.Equal(ok, parsed is not null);
        return error;
    }

    [Fact]
    public void Parses_the_exact_bytes_and_keeps_them()
    {
        var version = KnownRoomVersions.V11;
        byte[] json = Encoding.UTF8.GetBytes(SignedMessage(version).ToJsonString(new() { WriteIndented = true }));
        Pdu pdu = PduParser.Parse(json, version);
        Assert.Equal(json, pdu.Json.ToArray());
        Assert.Equal(EventTypes.Message, pdu.Type);
        Assert.Equal(PduBuilder.Build(Message(version), Origin, Key()).EventId, pdu.EventId);
    }

    public static TheoryData<string, string, string> FieldErrors => new()
    {
        // field, replacement JSON (or "-" to remove), expected error fragment
        { "type", "-", "'type' is missing" },
        { "type", "1", "'type' must be a string" },
        { "sender", "\"alice\"", "'sender' is not a valid user ID" },
        { "sender", "-", "'sender' is missing" },
        { "room_id", "\"room\"", "'room_id' is not a valid room ID" },
        { "room_id", "-", "'room_id' is missing" },
        { "content", "\"x\"", "'content' must be an object" },
        { "depth", "\"5\"", "'depth' must be an integer" },
        { "depth", "-1", "'depth' must not be negative" },
        { "origin_server_ts", "-", "'origin_server_ts' must be an integer" },
        { "hashes", "[]", "'hashes' must be an object" },
        { "signatures", "-", "'signatures' must be an object" },
        { "unsigned", "1", "'unsigned' must be an object" },
        { "prev_events", "{}", "'prev_events' must be an array" },
        { "prev_events", "[\"nope\"]", "'prev_events' holds an invalid event ID" },
        { "auth_events", "[[\"$a:x.org\",{}]]", "'auth_events' holds an invalid event ID" },
        { "state_key", "5", "'state_key' must be a string" },
    };

    [Theory]
    [MemberData(nameof(FieldErrors))]
    public void Wrong_fields_are_clear_errors(string field, string replacement, string expected)
    {
        var pdu = SignedMessage(KnownRoomVersions.V11);
        if (replacement == "-")
        {
            pdu.Remove(field);
        }
        else
        {
            pdu[field] = JsonNode.Parse(replacement);
        }
        Assert.Contains(expected, ParseError(pdu, KnownRoomVersions.V11), StringComparison.Ordinal);
    }

    [Fact]
    public void V1_references_must_be_pairs_and_event_id_is_required()
    {
        var pdu = SignedMessage(KnownRoomVersions.V1);
        Assert.Null(ParseError(pdu, KnownRoomVersions.V1));
        var flat = pdu.DeepClone().AsObject();
        flat["prev_events"] = new JsonArray("$a:x.org");
        Assert.Contains("pairs", ParseError(flat, KnownRoomVersions.V1), StringComparison.Ordinal);
        var noId = pdu.DeepClone().AsObject();
        noId.Remove("event_id");
        Assert.Contains("'event_id' is missing", ParseError(noId, KnownRoomVersions.V1), StringComparison.Ordinal);
        // A v1 event read as v3+ has the wrong reference shape.
        Assert.NotNull(ParseError(pdu, KnownRoomVersions.V3));
    }

    [Fact]
    public void Size_limits_apply_to_the_event_and_its_fields()
    {
        var pdu = SignedMessage(KnownRoomVersions.V11);
        pdu["state_key"] = new string('s', 256);
        Assert.Contains("'state_key' is longer than 255 bytes", ParseError(pdu, KnownRoomVersions.V11), StringComparison.Ordinal);
        pdu["state_key"] = new string('é', 128);
        Assert.Contains("'state_key' is longer than 255 bytes", ParseError(pdu, KnownRoomVersions.V11), StringComparison.Ordinal);
        pdu["state_key"] = new string('s', 255);
        Assert.Null(ParseError(pdu, KnownRoomVersions.V11));

        var big = SignedMessage(KnownRoomVersions.V11);
        big["content"]!["body"] = new string('x', 65_536);
        Assert.Contains("65536", ParseError(big, KnownRoomVersions.V11), StringComparison.Ordinal);

        // Whitespace does not count: the limit is on canonical JSON.
        var padded = SignedMessage(KnownRoomVersions.V11);
        string compact = padded.ToJsonString();
        byte[] withWhitespace = Encoding.UTF8.GetBytes(compact.Replace(",", ",                                                                                ", StringComparison.Ordinal));
        Assert.True(withWhitespace.Length < 4 * 65536);
        Assert.Null(ParseError(withWhitespace, KnownRoomVersions.V11));

        Assert.Contains("larger than", ParseError(new byte[300_000], KnownRoomVersions.V11), StringComparison.Ordinal);
    }

    [Fact]
    public void Strict_canonical_json_applies_from_v6()
    {
        var v5 = SignedMessage(KnownRoomVersions.V5);
        v5["content"]!["n"] = JsonNode.Parse("1.5");
        v5["content"]!["big"] = JsonNode.Parse("9007199254740993");
        Assert.Null(ParseError(v5, KnownRoomVersions.V5));

        var v6 = SignedMessage(KnownRoomVersions.V6);
        v6["content"]!["n"] = JsonNode.Parse("1.5");
        Assert.Contains("float", ParseError(v6, KnownRoomVersions.V6), StringComparison.Ordinal);
        v6["content"]!["n"] = JsonNode.Parse("9007199254740993");
        Assert.Contains("range", ParseError(v6, KnownRoomVersions.V6), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("nope")]
    [InlineData("[]")]
    [InlineData("{\"type\":\"a\",\"type\":\"b\"}")]
    [InlineData("{\"type\":")]
    public void Malformed_json_is_an_error(string json) =>
        Assert.NotNull(ParseError(Encoding.UTF8.GetBytes(json), KnownRoomVersions.V11));

    [Fact]
    public void Redacts_comes_from_the_top_level_before_v11_and_from_content_after()
    {
        var v10 = SignedMessage(KnownRoomVersions.V10);
        v10["type"] = EventTypes.Redaction;
        v10["redacts"] = "$abc:x.org";
        v10["content"] = new JsonObject { ["redacts"] = "$ignored:x.org" };
        Assert.Equal("$abc:x.org", PduParser.Parse(Encoding.UTF8.GetBytes(v10.ToJsonString()), KnownRoomVersions.V10).Redacts?.Value);

        var v11 = v10.DeepClone().AsObject();
        Assert.Equal("$ignored:x.org", PduParser.Parse(Encoding.UTF8.GetBytes(v11.ToJsonString()), KnownRoomVersions.V11).Redacts?.Value);

        v11["content"] = new JsonObject();
        Assert.Null(PduParser.Parse(Encoding.UTF8.GetBytes(v11.ToJsonString()), KnownRoomVersions.V11).Redacts);
        v11["content"] = new JsonObject { ["redacts"] = 5 };
        Assert.Contains("content.redacts", ParseError(v11, KnownRoomVersions.V11), StringComparison.Ordinal);
    }

    [Fact]
    public void V12_create_event_with_room_id_is_rejected()
    {
        var create = new JsonObject
        {
            ["type"] = EventTypes.Create, ["state_key"] = "", ["sender"] = Alice.Value, ["content"] = new JsonObject(),
            ["room_id"] = "!abc:example.org", ["depth"] = 1, ["origin_server_ts"] = 1, ["prev_events"] = new JsonArray(),
            ["auth_events"] = new JsonArray(), ["hashes"] = new JsonObject(), ["signatures"] = new JsonObject(),
        };
        Assert.Contains("must not have a room_id", ParseError(create, KnownRoomVersions.V12), StringComparison.Ordinal);
        create.Remove("room_id");
        Assert.Null(ParseError(create, KnownRoomVersions.V12));
        Assert.Contains("'room_id' is missing", ParseError(create, KnownRoomVersions.V11), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_throws_format_exception_with_the_reason()
    {
        var ex = Assert.Throws<FormatException>(() => PduParser.Parse("{}"u8.ToArray(), KnownRoomVersions.V11));
        Assert.Contains("'type' is missing", ex.Message, StringComparison.Ordinal);
    }
}
