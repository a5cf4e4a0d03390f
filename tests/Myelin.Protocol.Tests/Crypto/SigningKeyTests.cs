using System.Text;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;

namespace Myelin.Protocol.Tests.Crypto;

public class SigningKeyTests
{
    [Fact]
    public void Signs_and_verifies_with_a_generated_key()
    {
        using var key = SigningKey.Generate("a_1");
        Assert.Equal("ed25519:a_1", key.KeyId.Value);
        byte[] data = Encoding.UTF8.GetBytes("hello");
        byte[] signature = key.Sign(data);
        Assert.Equal(64, signature.Length);
        Assert.True(key.VerifyKey.Verify(data, signature));
        Assert.False(key.VerifyKey.Verify("hellO"u8, signature));
        Assert.False(key.VerifyKey.Verify(data, signature.AsSpan(1)));
    }

    [Fact]
    public void Seed_round_trips()
    {
        using var key = SpecTestVectors.Key();
        // The spec's seed string has non-zero trailing bits; the bytes are what round-trip.
        Assert.Equal(UnpaddedBase64.Decode(SpecTestVectors.SeedBase64), key.ExportSeed());
        using var again = SigningKey.FromSeed(key.ExportSeed(), "1");
        Assert.Equal(key.VerifyKey.PublicKeyBase64, again.VerifyKey.PublicKeyBase64);
    }

    [Fact]
    public void Rejects_bad_versions_and_seeds()
    {
        Assert.Throws<ArgumentException>(() => SigningKey.Generate("bad:version"));
        Assert.Throws<ArgumentException>(() => SigningKey.FromSeed(new byte[31], "1"));
    }

    [Fact]
    public void Verify_keys_read_from_base64()
    {
        using var key = SpecTestVectors.Key();
        Assert.True(VerifyKey.TryCreate(key.KeyId, key.VerifyKey.PublicKeyBase64, out var verifyKey));
        Assert.True(verifyKey.Verify("x"u8, key.Sign("x"u8)));
        Assert.False(VerifyKey.TryCreate(key.KeyId, "not base64!", out _));
        Assert.False(VerifyKey.TryCreate(key.KeyId, UnpaddedBase64.Encode(new byte[31]), out _));
        Assert.False(VerifyKey.TryCreate(KeyId.Parse("curve25519:1"), key.VerifyKey.PublicKeyBase64, out _));
    }

    [Fact]
    public void Key_files_use_synapse_format_with_several_lines()
    {
        using var a = SpecTestVectors.Key();
        using var b = SigningKey.Generate("second");
        string text = SigningKeyFile.Format([a, b]);
        Assert.StartsWith("ed25519 1 YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA0\n", text, StringComparison.Ordinal);
        Assert.True(SigningKeyFile.TryParse(text + "\n", out var keys, out string? error), error);
        Assert.Equal(["ed25519:1", "ed25519:second"], keys.Select(k => k.KeyId.Value));
        Assert.Equal(b.VerifyKey.PublicKeyBase64, keys[1].VerifyKey.PublicKeyBase64);
    }

    [Theory]
    [InlineData("ed25519 1")]
    [InlineData("rsa 1 YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1")]
    [InlineData("ed25519 a:b YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1")]
    [InlineData("ed25519 1 notbase64!")]
    [InlineData("ed25519 1 Zm9v")]
    public void Key_file_errors_name_the_line(string line)
    {
        Assert.False(SigningKeyFile.TryParse("ed25519 ok YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1\n" + line, out _, out string? error));
        Assert.StartsWith("Line 2:", error, StringComparison.Ordinal);
    }
}
