using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Json;

namespace Myelin.Protocol.Tests.Json;

public class CanonicalJsonTests
{
    private static string Canonical(string json, bool strict = true)
    {
        Assert.True(CanonicalJson.TryEncode(Encoding.UTF8.GetBytes(json), strict, out byte[]? canonical, out string? error), error);
        return Encoding.UTF8.GetString(canonical);
    }

    private static string? Error(string json, bool strict = true)
    {
        Assert.False(CanonicalJson.TryEncode(Encoding.UTF8.GetBytes(json), strict, out _, out string? error));
        return error;
    }

    // spec: appendices "Canonical JSON" — every example, byte for byte.
    [Theory]
    [InlineData("{}", "{}")]
    [InlineData("{\n    \"one\": 1,\n    \"two\": \"Two\"\n}", "{\"one\":1,\"two\":\"Two\"}")]
    [InlineData("{\n    \"b\": \"2\",\n    \"a\": \"1\"\n}", "{\"a\":\"1\",\"b\":\"2\"}")]
    [InlineData("{\"b\":\"2\",\"a\":\"1\"}", "{\"a\":\"1\",\"b\":\"2\"}")]
    [InlineData("""
        {
            "auth": {
                "success": true,
                "mxid": "@john.doe:example.com",
                "profile": {
                    "display_name": "John Doe",
                    "three_pids": [
                        {
                            "medium": "email",
                            "address": "john.doe@example.org"
                        },
                        {
                            "medium": "msisdn",
                            "address": "123456789"
                        }
                    ]
                }
            }
        }
        """, """{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"address":"john.doe@example.org","medium":"email"},{"address":"123456789","medium":"msisdn"}]},"success":true}}""")]
    [InlineData("{\n    \"a\": \"日本語\"\n}", "{\"a\":\"日本語\"}")]
    [InlineData("{\n    \"本\": 2,\n    \"日\": 1\n}", "{\"日\":1,\"本\":2}")]
    [InlineData("{\n    \"a\": \"\\u65E5\"\n}", "{\"a\":\"日\"}")]
    [InlineData("{\n    \"a\": null\n}", "{\"a\":null}")]
    public void Spec_examples_encode_byte_for_byte(string input, string expected) =>
        Assert.Equal(expected, Canonical(input));

    [Fact]
    public void Spec_example_with_negative_zero_and_exponent_normalizes_numbers()
    {
        // spec example: {"a": -0, "b": 1e10} → {"a":0,"b":10000000000}. 1e10 is a float token, which
        // strict room versions reject, so the example holds in lenient mode.
        Assert.Equal("{\"a\":0,\"b\":10000000000}", Canonical("{\n    \"a\": -0,\n    \"b\": 1e10\n}", strict: false));
        Assert.Equal("{\"a\":0}", Canonical("{\"a\":-0}"));
    }

    [Fact]
    public void Keys_sort_by_code_point_not_utf16_unit()
    {
        // U+E000 < U+1F600 by code point, but the UTF-16 surrogate D83D sorts before E000.
        Assert.Equal("{\"\uE000\":1,\"😀\":2}", Canonical("{\"😀\":2,\"\uE000\":1}"));
        Assert.Equal("{\"A\":1,\"B\":2,\"a\":3,\"é\":4}", Canonical("{\"é\":4,\"a\":3,\"B\":2,\"A\":1}"));
    }

    [Fact]
    public void Escaped_keys_sort_by_their_unescaped_value()
    {
        Assert.Equal("{\"a\":1,\"b\":2}", Canonical("{\"\\u0062\":2,\"a\":1}"));
    }

    [Theory]
    [InlineData("\"\\u0000\\u0001\\u001f\"", "\"\\u0000\\u0001\\u001f\"")]
    [InlineData("\"\\b\\t\\n\\f\\r\"", "\"\\b\\t\\n\\f\\r\"")]
    [InlineData("\"\\u0008\\u0009\\u000A\\u000C\\u000D\"", "\"\\b\\t\\n\\f\\r\"")]
    [InlineData("\"\\\"\\\\\"", "\"\\\"\\\\\"")]
    [InlineData("\"\\/\"", "\"/\"")]
    [InlineData("\"\\u00e9\\u007f\\u2028\"", "\"é\u007f\u2028\"")]
    [InlineData("\"\\ud83d\\ude00\"", "\"😀\"")]
    [InlineData("\"\\u001B\"", "\"\\u001b\"")]
    public void Strings_use_only_the_mandatory_escapes(string input, string expected) =>
        Assert.Equal(expected, Canonical(input));

    [Fact]
    public void Whitespace_and_nesting_are_normalized()
    {
        Assert.Equal("[1,[2,{\"a\":[]}],{},true,false,null]", Canonical(" [ 1 , [ 2 , { \"a\" : [ ] } ] , { } , true , false , null ] "));
    }

    [Theory]
    [InlineData("9007199254740991")]
    [InlineData("-9007199254740991")]
    [InlineData("0")]
    [InlineData("123456789012345")]
    public void Integers_in_range_are_kept(string number) => Assert.Equal(number, Canonical(number));

    [Theory]
    [InlineData("9007199254740992")]
    [InlineData("-9007199254740992")]
    [InlineData("99999999999999999999999")]
    public void Strict_mode_rejects_out_of_range_integers(string number)
    {
        Assert.Contains("range", Error(number), StringComparison.Ordinal);
        Assert.Equal(number, Canonical(number, strict: false));
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("1.0")]
    [InlineData("1e3")]
    [InlineData("{\"a\":[0.1]}")]
    public void Strict_mode_rejects_floats(string json) =>
        Assert.Contains("float", Error(json), StringComparison.Ordinal);

    [Theory]
    [InlineData("1.0", "1")]
    [InlineData("1E3", "1000")]
    [InlineData("1.5", "1.5")]
    [InlineData("-0.0", "0")]
    public void Lenient_mode_writes_integral_floats_as_integers(string input, string expected) =>
        Assert.Equal(expected, Canonical(input, strict: false));

    [Theory]
    [InlineData("{\"a\":1,\"a\":2}")]
    [InlineData("{\"x\":{\"a\":1,\"\\u0061\":2}}")]
    public void Duplicate_keys_are_rejected_in_both_modes(string json)
    {
        Assert.Contains("uplicate", Error(json, strict: true), StringComparison.Ordinal);
        Assert.Contains("uplicate", Error(json, strict: false), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"a\":1,}")]
    [InlineData("{\"a\":1} // comment")]
    [InlineData("{'a':1}")]
    [InlineData("[1 2]")]
    [InlineData("NaN")]
    [InlineData("\"\\ud800\"")]
    [InlineData("{\"\\udc00\":1}")]
    public void Malformed_json_is_an_error_not_an_exception(string json) => Assert.NotNull(Error(json));

    [Fact]
    public void Invalid_utf8_is_rejected()
    {
        byte[] bad = [(byte)'"', 0xff, 0xfe, (byte)'"'];
        Assert.False(CanonicalJson.TryEncode(bad, strict: true, out _, out _));
        byte[] badKey = [(byte)'{', (byte)'"', 0xc3, (byte)'"', (byte)':', (byte)'1', (byte)'}'];
        Assert.False(CanonicalJson.TryEncode(badKey, strict: true, out _, out _));
    }

    [Fact]
    public void Nesting_deeper_than_128_is_rejected()
    {
        string deep = new string('[', 129) + new string(']', 129);
        Assert.NotNull(Error(deep));
        string ok = new string('[', 128) + new string(']', 128);
        Assert.Equal(ok, Canonical(ok));
    }

    [Fact]
    public void Encodes_json_elements_and_nodes()
    {
        var element = JsonDocument.Parse("{\"b\":[1,2],\"a\":\"x\"}").RootElement;
        Assert.Equal("{\"a\":\"x\",\"b\":[1,2]}", Encoding.UTF8.GetString(CanonicalJson.Encode(element)));
        var node = new JsonObject { ["z"] = "日本", ["m"] = new JsonArray(3, true), ["a"] = null };
        Assert.Equal("{\"a\":null,\"m\":[3,true],\"z\":\"日本\"}", Encoding.UTF8.GetString(CanonicalJson.Encode(node)));
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(new JsonObject { ["f"] = 1.5 }));
        Assert.Equal("null", Encoding.UTF8.GetString(CanonicalJson.Encode((JsonNode?)null)));
    }

    [Fact]
    public void Writes_into_a_buffer_writer()
    {
        var output = new ArrayBufferWriter<byte>();
        CanonicalJson.Write(JsonDocument.Parse("{ \"k\" : 1 }").RootElement, output);
        Assert.Equal("{\"k\":1}"u8.ToArray(), output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Validation_reports_without_writing()
    {
        Assert.True(CanonicalJson.TryParse("{\"a\":1.5}"u8, out var root, out _));
        Assert.False(CanonicalJson.TryValidate(root, strict: true, out string? error));
        Assert.Contains("float", error, StringComparison.Ordinal);
        Assert.True(CanonicalJson.TryValidate(root, strict: false, out _));
    }
}
