using Myelin.Server.Federation.Authentication;

namespace Myelin.Server.Tests.Federation;

/// <summary>spec: server-server "Request Authentication" (header format, RFC 9110 auth-params).</summary>
public sealed class XMatrixAuthorizationTests
{
    [Theory]
    [InlineData("X-Matrix origin=\"origin.example\",destination=\"dest.example\",key=\"ed25519:key1\",sig=\"ABC\"")]
    [InlineData("x-matrix origin=origin.example,destination=dest.example,key=ed25519:key1,sig=ABC")]
    [InlineData("X-MATRIX   SIG=\"ABC\" ,\tKey=ed25519:key1 , Destination=\"dest.example\",ORIGIN=\"origin.example\"")]
    [InlineData("X-Matrix origin=\"orig\\in.example\",destination=\"dest.example\",key=\"ed25519:key1\",sig=\"A\\BC\",unknown=\"x, y\"")]
    public void Lenient_forms_parse_to_the_same_values(string header)
    {
        Assert.True(XMatrixAuthorization.TryParse(header, out var parsed, out string? error), error);
        Assert.Equal(new XMatrixAuthorization("origin.example", "dest.example", "ed25519:key1", "ABC"), parsed);
    }

    [Fact]
    public void Destination_is_optional_and_format_writes_the_compatible_form()
    {
        Assert.True(XMatrixAuthorization.TryParse("X-Matrix origin=a.example,key=ed25519:k,sig=S", out var parsed, out _));
        Assert.Null(parsed.Destination);
        var full = new XMatrixAuthorization("a.example", "b.example:8448", "ed25519:k", "S");
        Assert.Equal("X-Matrix origin=\"a.example\",destination=\"b.example:8448\",key=\"ed25519:k\",sig=\"S\"", full.Format());
        Assert.True(XMatrixAuthorization.TryParse(full.Format(), out var roundTrip, out _));
        Assert.Equal(full, roundTrip);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer abc")]
    [InlineData("X-Matrix")]
    [InlineData("X-Matrixorigin=a,key=ed25519:k,sig=S")]
    [InlineData("X-Matrix key=ed25519:k,sig=S")]
    [InlineData("X-Matrix origin=a.example,sig=S")]
    [InlineData("X-Matrix origin=a.example,key=ed25519:k")]
    [InlineData("X-Matrix origin=a.example,key=ed25519:k,sig=")]
    [InlineData("X-Matrix origin=\"a.example,key=ed25519:k,sig=S")]
    [InlineData("X-Matrix origin=a.example key=ed25519:k,sig=S")]
    [InlineData("X-Matrix origin")]
    public void Malformed_headers_are_rejected_with_a_reason(string? header)
    {
        Assert.False(XMatrixAuthorization.TryParse(header, out var parsed, out string? error));
        Assert.Null(parsed);
        Assert.False(string.IsNullOrEmpty(error));
    }
}
