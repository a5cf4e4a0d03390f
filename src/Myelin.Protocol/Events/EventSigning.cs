using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.Json;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.Json;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Events;

/// <summary>
/// Hashing and signing events as their origin server, and checking a server's signature on an event.
/// spec: server-server "Adding hashes and signatures to outgoing events",
/// "Validating hashes and signatures on received events".
/// </summary>
public static class EventSigning
{
    /// <summary>
    /// Adds <c>hashes.sha256</c> (content hash), then signs the redacted event and puts the signature on the
    /// full event under <c>signatures.{serverName}.{keyId}</c>. Writes the signed event as canonical JSON.
    /// </summary>
    public static bool TryHashAndSign(JsonElement @event, RoomVersion version, string serverName, SigningKey key,
        IBufferWriter<byte> output, [NotNullWhen(false)] out string? error) =>
        TryHashAndSign(@event, version, serverName, key, output, default, out error);

    public static bool TryHashAndSign(ReadOnlySpan<byte> eventJson, RoomVersion version, string serverName, SigningKey key,
        [NotNullWhen(true)] out byte[]? signed, [NotNullWhen(false)] out string? error)
    {
        signed = null;
        if (!CanonicalJson.TryParse(eventJson, out JsonElement root, out error))
        {
            return false;
        }
        var output = new ArrayBufferWriter<byte>(eventJson.Length + 200);
        if (!TryHashAndSign(root, version, serverName, key, output, out error))
        {
            return false;
        }
        signed = output.WrittenSpan.ToArray();
        return true;
    }

    /// <param name="referenceHash">When not empty, receives the event's reference hash (32 bytes).</param>
    internal static bool TryHashAndSign(JsonElement @event, RoomVersion version, string serverName, SigningKey key,
        IBufferWriter<byte> output, Span<byte> referenceHash, [NotNullWhen(false)] out string? error)
    {
        if (@event.ValueKind != JsonValueKind.Object)
        {
            error = "An event must be a JSON object.";
            return false;
        }
        bool strict = version.StrictCanonicalJson;
        ArrayBufferWriter<byte> buffer = PooledBuffer.Rent();
        try
        {
            // 1. Content hash over the full event.
            if ((error = CanonicalJsonWriter.Write(@event, buffer, strict, ExcludeMembersFilter.ForContentHash)) is not null)
            {
                return false;
            }
            Span<byte> contentHash = stackalloc byte[EventHashing.HashSize];
            SHA256.HashData(buffer.WrittenSpan, contentHash);
            ExtraMember hashes = new("hashes"u8.ToArray(), HashesValue(contentHash));

            // 2. Sign the redacted event (with the new hashes, without signatures and unsigned).
            buffer.ResetWrittenCount();
            var signingFilter = RedactionFilter.For(version, EventRedaction.TypeOf(@event), forSigning: true);
            if ((error = CanonicalJsonWriter.Write(@event, buffer, strict, signingFilter, [hashes])) is not null)
            {
                return false;
            }
            Span<byte> signature = stackalloc byte[SigningKey.SignatureSize];
            key.Sign(buffer.WrittenSpan, signature);
            if (!referenceHash.IsEmpty)
            {
                if (!version.EventIdInPdu && @event.TryGetProperty("event_id"u8, out _))
                {
                    error = $"A room version {version.Id} event must not contain event_id.";
                    return false;
                }
                SHA256.HashData(buffer.WrittenSpan, referenceHash);
            }

            // 3. Put the signature on the full event.
            ExtraMember signatures = new("signatures"u8.ToArray(), JsonSigning.MergeSignatures(@event, serverName, key.KeyId, signature));
            error = CanonicalJsonWriter.Write(@event, output, strict, null, [hashes, signatures]);
            return error is null;
        }
        finally
        {
            PooledBuffer.Return(buffer);
        }
    }

    /// <summary>
    /// Checks <paramref name="serverName"/>'s signature on an event (full or redacted copy): the signature covers
    /// the redacted event without <c>signatures</c> and <c>unsigned</c>.
    /// spec: server-server "Validating hashes and signatures on received events".
    /// </summary>
    public static SignatureCheck VerifySignature(JsonElement @event, RoomVersion version, string serverName, Func<KeyId, VerifyKey?> keys)
    {
        if (@event.ValueKind != JsonValueKind.Object)
        {
            return new(SignatureCheckStatus.Malformed, "An event must be a JSON object.");
        }
        ArrayBufferWriter<byte> buffer = PooledBuffer.Rent();
        try
        {
            var filter = RedactionFilter.For(version, EventRedaction.TypeOf(@event), forSigning: true);
            if (CanonicalJsonWriter.Write(@event, buffer, version.StrictCanonicalJson, filter) is { } error)
            {
                return new(SignatureCheckStatus.Malformed, error);
            }
            return JsonSigning.VerifySigned(buffer.WrittenSpan, @event, serverName, keys);
        }
        finally
        {
            PooledBuffer.Return(buffer);
        }
    }

    public static SignatureCheck VerifySignature(Pdu pdu, string serverName, Func<KeyId, VerifyKey?> keys) =>
        VerifySignature(pdu.Root, pdu.RoomVersion, serverName, keys);

    /// <summary>The canonical value <c>{"sha256":"&lt;unpadded base64&gt;"}</c>.</summary>
    private static byte[] HashesValue(ReadOnlySpan<byte> contentHash)
    {
        ReadOnlySpan<byte> prefix = "{\"sha256\":\""u8;
        int encodedLength = UnpaddedBase64.GetEncodedLength(contentHash.Length);
        byte[] value = new byte[prefix.Length + encodedLength + 2];
        prefix.CopyTo(value);
        UnpaddedBase64.EncodeToUtf8(contentHash, value.AsSpan(prefix.Length));
        value[^2] = (byte)'"';
        value[^1] = (byte)'}';
        return value;
    }
}
