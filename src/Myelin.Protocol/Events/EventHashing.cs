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
/// Content hashes, reference hashes and hash-derived event IDs.
/// spec: server-server "Calculating the content hash for an event", "Calculating the reference hash for an event".
/// </summary>
public static class EventHashing
{
    public const int HashSize = 32;

    /// <summary>SHA-256 of the canonical event without <c>unsigned</c>, <c>signatures</c> and <c>hashes</c>.</summary>
    public static bool TryComputeContentHash(JsonElement @event, RoomVersion version, Span<byte> hash, [NotNullWhen(false)] out string? error) =>
        TryHash(@event, version, ExcludeMembersFilter.ForContentHash, hash, out error);

    /// <summary>SHA-256 of the canonical redacted event without <c>signatures</c> and <c>unsigned</c>.</summary>
    public static bool TryComputeReferenceHash(JsonElement @event, RoomVersion version, Span<byte> hash, [NotNullWhen(false)] out string? error) =>
        TryHash(@event, version, ReferenceHashFilter(@event, version), hash, out error);

    public static byte[] ComputeContentHash(JsonElement @event, RoomVersion version)
    {
        byte[] hash = new byte[HashSize];
        return TryComputeContentHash(@event, version, hash, out string? error) ? hash : throw new CanonicalJsonException(error);
    }

    public static byte[] ComputeReferenceHash(JsonElement @event, RoomVersion version)
    {
        byte[] hash = new byte[HashSize];
        return TryComputeReferenceHash(@event, version, hash, out string? error) ? hash : throw new CanonicalJsonException(error);
    }

    /// <summary>The event ID of a v3+ event: <c>$</c> + base64 of its reference hash. spec: rooms/v3, rooms/v4 "Event IDs".</summary>
    public static bool TryComputeEventId(JsonElement @event, RoomVersion version, out EventId eventId, [NotNullWhen(false)] out string? error)
    {
        eventId = default;
        if (version.EventIdInPdu)
        {
            error = $"Room version {version.Id} event IDs are chosen by the origin, not computed.";
            return false;
        }
        Span<byte> hash = stackalloc byte[HashSize];
        if (!TryComputeReferenceHash(@event, version, hash, out error))
        {
            return false;
        }
        eventId = EventId.FromReferenceHash(hash, version.EventIdFormat);
        return true;
    }

    /// <summary>
    /// Whether <c>hashes.sha256</c> matches the event's content hash. A mismatch means the event must be
    /// replaced by its redacted form. spec: server-server "Validating hashes and signatures on received events".
    /// </summary>
    public static bool CheckContentHash(JsonElement @event, RoomVersion version)
    {
        if (!@event.TryGetProperty("hashes"u8, out JsonElement hashes) || hashes.ValueKind != JsonValueKind.Object
            || !hashes.TryGetProperty("sha256"u8, out JsonElement sha256) || sha256.ValueKind != JsonValueKind.String)
        {
            return false;
        }
        Span<byte> expected = stackalloc byte[HashSize + 3];
        Span<byte> actual = stackalloc byte[HashSize];
        return UnpaddedBase64.TryDecode(sha256.GetString(), expected, out int length)
            && length == HashSize
            && TryComputeContentHash(@event, version, actual, out _)
            && CryptographicOperations.FixedTimeEquals(expected[..length], actual);
    }

    /// <summary>The reference hash covers the redacted event without signatures; a v3+ event's own ID is not part of it.</summary>
    internal static JsonMemberFilter ReferenceHashFilter(JsonElement @event, RoomVersion version) =>
        RedactionFilter.For(version, EventRedaction.TypeOf(@event), forSigning: true, dropEventId: !version.EventIdInPdu);

    private static bool TryHash(JsonElement @event, RoomVersion version, JsonMemberFilter filter, Span<byte> hash, [NotNullWhen(false)] out string? error)
    {
        if (@event.ValueKind != JsonValueKind.Object)
        {
            error = "An event must be a JSON object.";
            return false;
        }
        ArrayBufferWriter<byte> buffer = PooledBuffer.Rent();
        try
        {
            if ((error = CanonicalJsonWriter.Write(@event, buffer, version.StrictCanonicalJson, filter)) is not null)
            {
                return false;
            }
            SHA256.HashData(buffer.WrittenSpan, hash);
            return true;
        }
        finally
        {
            PooledBuffer.Return(buffer);
        }
    }
}
