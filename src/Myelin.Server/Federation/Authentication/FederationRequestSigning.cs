using System.Text.Json;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Federation.Authentication;

/// <summary>
/// Signing and checking the JSON object <c>{method, uri, origin, destination, content}</c> that authenticates a
/// federation request. spec: server-server "Request Authentication".
/// </summary>
public static class FederationRequestSigning
{
    /// <summary>The request object wraps the body two levels deep; bodies may nest as deep as their PDUs (128).</summary>
    private static readonly JsonDocumentOptions DeepDocument = new() { MaxDepth = Http.JsonBody.MaxDepth + 2 };

    /// <summary>The Authorization header for a request from <paramref name="origin"/> to <paramref name="destination"/>.</summary>
    /// <param name="uri">The request target: path and query, starting with <c>/_matrix/</c>.</param>
    /// <param name="content">The JSON body, or null for a request without one.</param>
    public static XMatrixAuthorization Sign(string method, string uri, ServerName origin, ServerName destination, JsonElement? content, SigningKey key)
    {
        byte[] unsigned = BuildRequestJson(method, uri, origin.Value, destination.Value, content, signature: null);
        using var document = JsonDocument.Parse(unsigned, DeepDocument);
        // Request bodies are not events: they may carry floats or big integers (PDUs of room versions 1–5, to-device
        // content), which Synapse signs as they are. Lenient canonical JSON, so such a request is signed, not refused.
        byte[] signed = JsonSigning.Sign(document.RootElement, origin.Value, key, strict: false);
        using var signedDocument = JsonDocument.Parse(signed, DeepDocument);
        string signature = signedDocument.RootElement.GetProperty("signatures").GetProperty(origin.Value).GetProperty(key.KeyId.Value).GetString()!;
        return new XMatrixAuthorization(origin.Value, destination.Value, key.KeyId.Value, signature);
    }

    /// <summary>Checks the header's signature over the request with <paramref name="key"/>.</summary>
    /// <param name="destination">The destination that was signed for: the header's, or our own name when the header omits it.</param>
    public static SignatureCheck Verify(string method, string uri, string destination, JsonElement? content, XMatrixAuthorization authorization, VerifyKey key)
    {
        byte[] json = BuildRequestJson(method, uri, authorization.Origin, destination, content, (authorization.Key, authorization.Signature));
        using var document = JsonDocument.Parse(json, DeepDocument);
        return JsonSigning.Verify(document.RootElement, authorization.Origin, id => id == key.KeyId ? key : null, strict: false);
    }

    private static byte[] BuildRequestJson(string method, string uri, string origin, string destination, JsonElement? content, (string KeyId, string Signature)? signature)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("method", method);
            writer.WriteString("uri", uri);
            writer.WriteString("origin", origin);
            writer.WriteString("destination", destination);
            if (content is { } body)
            {
                writer.WritePropertyName("content");
                body.WriteTo(writer);
            }
            if (signature is { } s)
            {
                writer.WriteStartObject("signatures");
                writer.WriteStartObject(origin);
                writer.WriteString(s.KeyId, s.Signature);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
