using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.Json;

namespace Myelin.Protocol.Crypto;

/// <summary>
/// Signing JSON objects and checking their signatures: the signature covers the canonical JSON of the
/// object without <c>signatures</c> and <c>unsigned</c>, and is added under <c>signatures.{entity}.{keyId}</c>.
/// spec: appendices "Signing Details", "Checking for a Signature".
/// </summary>
public static class JsonSigning
{
    /// <summary>Signs a JSON object; returns the signed object as canonical JSON (with <c>unsigned</c> kept).</summary>
    public static bool TrySign(ReadOnlySpan<byte> utf8Json, string entity, SigningKey key,
        [NotNullWhen(true)] out byte[]? signed, [NotNullWhen(false)] out string? error)
    {
        signed = null;
        if (!CanonicalJson.TryParse(utf8Json, out JsonElement root, out error))
        {
            return false;
        }
        return TrySign(root, entity, key, out signed, out error);
    }

    /// <param name="strict">False for JSON that may hold floats or out-of-range integers (federation request bodies,
    /// room versions 1–5): numbers are then encoded leniently instead of refused.</param>
    public static bool TrySign(JsonElement obj, string entity, SigningKey key,
        [NotNullWhen(true)] out byte[]? signed, [NotNullWhen(false)] out string? error, bool strict = true)
    {
        signed = null;
        if (obj.ValueKind != JsonValueKind.Object)
        {
            error = "Only JSON objects can be signed.";
            return false;
        }
        var buffer = PooledBuffer.Rent();
        try
        {
            if ((error = CanonicalJsonWriter.Write(obj, buffer, strict, ExcludeMembersFilter.ForSigning)) is not null)
            {
                return false;
            }
            Span<byte> signature = stackalloc byte[SigningKey.SignatureSize];
            key.Sign(buffer.WrittenSpan, signature);
            byte[] signatures = MergeSignatures(obj, entity, key.KeyId, signature);
            buffer.ResetWrittenCount();
            ExtraMember extra = new("signatures"u8.ToArray(), signatures);
            if ((error = CanonicalJsonWriter.Write(obj, buffer, strict, null, [extra])) is not null)
            {
                return false;
            }
            signed = buffer.WrittenSpan.ToArray();
            return true;
        }
        finally
        {
            PooledBuffer.Return(buffer);
        }
    }

    /// <summary>Signs a JSON object; throws <see cref="CanonicalJsonException"/> if it cannot be signed.</summary>
    public static byte[] Sign(JsonElement obj, string entity, SigningKey key, bool strict = true) =>
        TrySign(obj, entity, key, out byte[]? signed, out string? error, strict) ? signed : throw new CanonicalJsonException(error);

    /// <summary>Checks <paramref name="entity"/>'s signatures on a JSON object. <paramref name="keys"/> finds a verification key by ID (null if unknown).</summary>
    public static SignatureCheck Verify(JsonElement obj, string entity, Func<KeyId, VerifyKey?> keys, bool strict = true)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            return new(SignatureCheckStatus.Malformed, "Only JSON objects carry signatures.");
        }
        var buffer = PooledBuffer.Rent();
        try
        {
            if (CanonicalJsonWriter.Write(obj, buffer, strict, ExcludeMembersFilter.ForSigning) is { } error)
            {
                return new(SignatureCheckStatus.Malformed, error);
            }
            return VerifySigned(buffer.WrittenSpan, obj, entity, keys);
        }
        finally
        {
            PooledBuffer.Return(buffer);
        }
    }

    public static SignatureCheck Verify(JsonElement obj, string entity, IEnumerable<VerifyKey> keys)
    {
        var byId = keys.ToDictionary(k => k.KeyId);
        return Verify(obj, entity, id => byId.GetValueOrDefault(id));
    }

    /// <summary>
    /// Checks the signatures under <c>signatures.{entity}</c> of <paramref name="signedObject"/> against the
    /// canonical bytes that were signed. Unknown algorithms and unknown keys are skipped; at least one
    /// signature from a known key is required and every such signature must verify.
    /// spec: appendices "Checking for a Signature"; server-server "Validating hashes and signatures on received events".
    /// </summary>
    internal static SignatureCheck VerifySigned(ReadOnlySpan<byte> signedBytes, JsonElement signedObject, string entity, Func<KeyId, VerifyKey?> keys)
    {
        if (!signedObject.TryGetProperty("signatures"u8, out JsonElement signatures) || signatures.ValueKind != JsonValueKind.Object)
        {
            return new(SignatureCheckStatus.NotSigned, "The object has no signatures.");
        }
        if (!signatures.TryGetProperty(entity, out JsonElement entitySignatures))
        {
            return new(SignatureCheckStatus.NotSigned, $"No signature from {entity}.");
        }
        if (entitySignatures.ValueKind != JsonValueKind.Object)
        {
            return new(SignatureCheckStatus.Malformed, $"signatures.{entity} is not an object.");
        }
        bool anySupported = false;
        int verified = 0;
        Span<byte> signature = stackalloc byte[SigningKey.SignatureSize + 3];
        foreach (JsonProperty property in entitySignatures.EnumerateObject())
        {
            if (!KeyId.TryParse(property.Name, out KeyId keyId) || keyId.Algorithm != KeyId.Ed25519)
            {
                continue;
            }
            anySupported = true;
            if (keys(keyId) is not { } key)
            {
                continue;
            }
            if (property.Value.ValueKind != JsonValueKind.String
                || !UnpaddedBase64.TryDecode(property.Value.GetString(), signature, out int length))
            {
                return new(SignatureCheckStatus.BadSignature, $"Signature {entity} {keyId} is not base64.");
            }
            if (!key.Verify(signedBytes, signature[..length]))
            {
                return new(SignatureCheckStatus.BadSignature, $"Signature {entity} {keyId} does not verify.");
            }
            verified++;
        }
        if (!anySupported)
        {
            return new(SignatureCheckStatus.NoSupportedAlgorithm, $"No ed25519 signature from {entity}.");
        }
        return verified > 0 ? SignatureCheck.Valid : new(SignatureCheckStatus.UnknownKey, $"No known key for {entity}'s signatures.");
    }

    /// <summary>The canonical <c>signatures</c> value: the object's existing signatures plus the new one.</summary>
    internal static byte[] MergeSignatures(JsonElement obj, string entity, KeyId keyId, ReadOnlySpan<byte> signature)
    {
        string signatureBase64 = UnpaddedBase64.Encode(signature);
        bool hasExisting = obj.TryGetProperty("signatures"u8, out JsonElement existing)
            && existing.ValueKind == JsonValueKind.Object && existing.GetPropertyCount() > 0;
        if (!hasExisting)
        {
            // The common case (a freshly built event): write {"entity":{"keyId":"sig"}} directly.
            var output = new ArrayBufferWriter<byte>(entity.Length + keyId.Value.Length + 100);
            output.Write("{"u8);
            CanonicalJsonWriter.WriteEscaped(Encoding.UTF8.GetBytes(entity), output);
            output.Write(":{"u8);
            CanonicalJsonWriter.WriteEscaped(Encoding.UTF8.GetBytes(keyId.Value), output);
            output.Write(":\""u8);
            output.Write(Encoding.ASCII.GetBytes(signatureBase64));
            output.Write("\"}}"u8);
            return output.WrittenSpan.ToArray();
        }
        JsonObject merged = JsonNode.Parse(existing.GetRawText())!.AsObject();
        if (merged[entity] is not JsonObject entityNode)
        {
            merged[entity] = entityNode = [];
        }
        entityNode[keyId.Value] = signatureBase64;
        return CanonicalJson.Encode(merged, strict: false);
    }
}
