using System.Text.Json;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Authentication;

namespace Myelin.Server.Tests.Federation;

public sealed class FederationRequestSigningTests
{
    private static readonly ServerName Origin = ServerName.Parse("origin.hs.example.com");
    private static readonly ServerName Destination = ServerName.Parse("destination.hs.example.com");

    [Fact]
    public void The_signature_is_the_json_signature_of_method_uri_origin_destination_and_content()
    {
        using var key = SigningKey.FromSeed(new byte[32], "key1");
        var content = JsonDocument.Parse("{\"b\":[1,2],\"a\":\"x\"}").RootElement;
        var header = FederationRequestSigning.Sign("POST", "/_matrix/federation/v1/send/1?x=y", Origin, Destination, content, key);

        // The same object signed with the generic JSON signing algorithm gives the same signature.
        string request = "{\"method\":\"POST\",\"uri\":\"/_matrix/federation/v1/send/1?x=y\",\"origin\":\"origin.hs.example.com\"," +
            "\"destination\":\"destination.hs.example.com\",\"content\":{\"a\":\"x\",\"b\":[1,2]}}";
        using var expected = JsonDocument.Parse(JsonSigning.Sign(JsonDocument.Parse(request).RootElement, Origin.Value, key));
        Assert.Equal(expected.RootElement.GetProperty("signatures").GetProperty(Origin.Value).GetProperty("ed25519:key1").GetString(), header.Signature);
        Assert.Equal(new XMatrixAuthorization(Origin.Value, Destination.Value, "ed25519:key1", header.Signature), header);

        Assert.True(FederationRequestSigning.Verify("POST", "/_matrix/federation/v1/send/1?x=y", Destination.Value, content, header, key.VerifyKey).IsValid);
    }

    [Fact]
    public void Any_change_to_the_signed_parts_breaks_the_signature()
    {
        using var key = SigningKey.Generate("k");
        var content = JsonDocument.Parse("{\"a\":1}").RootElement;
        var header = FederationRequestSigning.Sign("PUT", "/_matrix/federation/v1/send/1", Origin, Destination, content, key);
        string uri = "/_matrix/federation/v1/send/1";

        Assert.True(FederationRequestSigning.Verify("PUT", uri, Destination.Value, content, header, key.VerifyKey).IsValid);
        Assert.False(FederationRequestSigning.Verify("POST", uri, Destination.Value, content, header, key.VerifyKey).IsValid);
        Assert.False(FederationRequestSigning.Verify("PUT", uri + "?x", Destination.Value, content, header, key.VerifyKey).IsValid);
        Assert.False(FederationRequestSigning.Verify("PUT", uri, "other.example", content, header, key.VerifyKey).IsValid);
        Assert.False(FederationRequestSigning.Verify("PUT", uri, Destination.Value, JsonDocument.Parse("{\"a\":2}").RootElement, header, key.VerifyKey).IsValid);
        Assert.False(FederationRequestSigning.Verify("PUT", uri, Destination.Value, null, header, key.VerifyKey).IsValid);
        Assert.False(FederationRequestSigning.Verify("PUT", uri, Destination.Value, content, header with { Origin = "evil.example" }, key.VerifyKey).IsValid);
        using var other = SigningKey.Generate("k");
        Assert.False(FederationRequestSigning.Verify("PUT", uri, Destination.Value, content, header, other.VerifyKey).IsValid);
        Assert.False(FederationRequestSigning.Verify("PUT", uri, Destination.Value, content, header with { Signature = "not base64!" }, key.VerifyKey).IsValid);
    }
}
