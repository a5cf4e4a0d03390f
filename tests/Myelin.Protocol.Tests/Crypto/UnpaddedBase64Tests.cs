using System.Text;
using Myelin.Protocol.Crypto;

namespace Myelin.Protocol.Tests.Crypto;

public class UnpaddedBase64Tests
{
    // spec: appendices "Unpadded Base64" examples.
    [Theory]
    [InlineData("", "")]
    [InlineData("f", "Zg")]
    [InlineData("fo", "Zm8")]
    [InlineData("foo", "Zm9v")]
    [InlineData("foob", "Zm9vYg")]
    [InlineData("fooba", "Zm9vYmE")]
    [InlineData("foobar", "Zm9vYmFy")]
    public void Encodes_and_decodes_the_spec_examples(string plain, string encoded)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(plain);
        Assert.Equal(encoded, UnpaddedBase64.Encode(bytes));
        Assert.Equal(bytes, UnpaddedBase64.Decode(encoded));
        Span<byte> utf8 = stackalloc byte[16];
        int written = UnpaddedBase64.EncodeToUtf8(bytes, utf8);
        Assert.Equal(encoded, Encoding.ASCII.GetString(utf8[..written]));
    }

    [Theory]
    [InlineData("Zg==", "f")]
    [InlineData("Zm8=", "fo")]
    public void Accepts_padded_input(string encoded, string plain) =>
        Assert.Equal(Encoding.ASCII.GetBytes(plain), UnpaddedBase64.Decode(encoded));

    [Fact]
    public void Url_safe_alphabet_uses_minus_and_underscore()
    {
        byte[] bytes = [0xfb, 0xff, 0xbf];
        Assert.Equal("+/+/", UnpaddedBase64.Encode(bytes));
        Assert.Equal("-_-_", UnpaddedBase64.EncodeUrlSafe(bytes));
        Assert.Equal(bytes, UnpaddedBase64.DecodeUrlSafe("-_-_"));
        Assert.False(UnpaddedBase64.TryDecodeUrlSafe("+/+/", out _));
        Assert.False(UnpaddedBase64.TryDecode("-_-_", out _));
    }

    [Theory]
    [InlineData("Z")]
    [InlineData("Zg=")]
    [InlineData("Zm9v=")]
    [InlineData("Zm 9v")]
    [InlineData("Zm9v!")]
    [InlineData("Zg===")]
    public void Rejects_invalid_input(string encoded) => Assert.False(UnpaddedBase64.TryDecode(encoded, out _));
}
