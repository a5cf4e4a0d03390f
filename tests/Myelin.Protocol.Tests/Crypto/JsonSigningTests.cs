using System.Text;
using System.Text.Json;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;

namespace Myelin.Protocol.Tests.Crypto;

public class JsonSigningTests
{
    private static string Sign(string json)
    {
        using var key = SpecTestVectors.Key();
        Assert.True(JsonSigning.TrySign(Encoding.UTF8.GetBytes(json), SpecTestVectors.ServerName, key, out byte[]? signed, out string? error), error);
        return Encoding.UTF8.GetString(signed);
    }

    // spec: appendices "JSON Signing" test vectors.
    [Fact]
    public void Signs_the_empty_object_like_the_spec()
    {
        Assert.Equal(
            """{"signatures":{"domain":{"ed25519:1":"K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"}}}""",
            Sign("{}"));
    }

    [Fact]
    public void Signs_the_object_with_data_like_the_spec()
    {
        Assert.Equal(
            """{"one":1,"signatures":{"domain":{"ed25519:1":"KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw"}},"two":"Two"}""",
            Sign("{\n    \"one\": 1,\n    \"two\": \"Two\"\n}"));
    }

    [Fact]
    public void Unsigned_and_existing_signatures_are_not_covered_and_are_kept()
    {
        string signed = Sign("""{"one":1,"two":"Two","unsigned":{"age_ts":5},"signatures":{"other":{"ed25519:x":"abc"}}}""");
        using var doc = JsonDocument.Parse(signed);
        var sigs = doc.RootElement.GetProperty("signatures");
        Assert.Equal("abc", sigs.GetProperty("other").GetProperty("ed25519:x").GetString());
        Assert.Equal("KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw",
            sigs.GetProperty("domain").GetProperty("ed25519:1").GetString());
        Assert.Equal(5, doc.RootElement.GetProperty("unsigned").GetProperty("age_ts").GetInt32());
    }

    [Fact]
    public void Verifies_signed_json_and_detects_tampering()
    {
        using var key = SpecTestVectors.Key();
        string signed = Sign("""{"one":1,"two":"Two"}""");
        var keys = new[] { key.VerifyKey };
        Assert.True(JsonSigning.Verify(JsonDocument.Parse(signed).RootElement, "domain", keys).IsValid);

        string tampered = signed.Replace("\"Two\"", "\"Three\"", StringComparison.Ordinal);
        Assert.Equal(SignatureCheckStatus.BadSignature, JsonSigning.Verify(JsonDocument.Parse(tampered).RootElement, "domain", keys).Status);

        // unsigned may change freely.
        string withUnsigned = signed.Insert(signed.Length - 1, ",\"unsigned\":{\"age\":1}");
        Assert.True(JsonSigning.Verify(JsonDocument.Parse(withUnsigned).RootElement, "domain", keys).IsValid);
    }

    [Theory]
    [InlineData("""{"a":1}""", SignatureCheckStatus.NotSigned)]
    [InlineData("""{"signatures":{"other":{"ed25519:1":"x"}}}""", SignatureCheckStatus.NotSigned)]
    [InlineData("""{"signatures":{"domain":"x"}}""", SignatureCheckStatus.Malformed)]
    [InlineData("""{"signatures":{"domain":{"rsa:1":"x"}}}""", SignatureCheckStatus.NoSupportedAlgorithm)]
    [InlineData("""{"signatures":{"domain":{"ed25519:unknown":"x"}}}""", SignatureCheckStatus.UnknownKey)]
    [InlineData("""{"signatures":{"domain":{"ed25519:1":"!!"}}}""", SignatureCheckStatus.BadSignature)]
    [InlineData("""{"signatures":{"domain":{"ed25519:1":42}}}""", SignatureCheckStatus.BadSignature)]
    [InlineData("""[1]""", SignatureCheckStatus.Malformed)]
    [InlineData("""{"f":1.5,"signatures":{"domain":{"ed25519:1":"x"}}}""", SignatureCheckStatus.Malformed)]
    public void Verification_failures_are_reported(string json, SignatureCheckStatus expected)
    {
        using var key = SpecTestVectors.Key();
        var check = JsonSigning.Verify(JsonDocument.Parse(json).RootElement, "domain", id => id == key.KeyId ? key.VerifyKey : null);
        Assert.Equal(expected, check.Status);
        Assert.NotNull(check.Error);
    }

    [Fact]
    public void Signing_bad_input_returns_an_error()
    {
        using var key = SpecTestVectors.Key();
        Assert.False(JsonSigning.TrySign("[1]"u8, "domain", key, out _, out string? error));
        Assert.NotNull(error);
        Assert.False(JsonSigning.TrySign("{"u8, "domain", key, out _, out error));
        Assert.False(JsonSigning.TrySign("""{"a":1.5}"""u8, "domain", key, out _, out error));
        Assert.Contains("float", error, StringComparison.Ordinal);
        Assert.Equal(KeyId.Parse("ed25519:1"), key.KeyId);
    }
}
