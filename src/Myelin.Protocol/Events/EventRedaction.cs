using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Myelin.Protocol.Json;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Events;

/// <summary>
/// The redaction algorithm of every room version: strip the event to the keys the version protects.
/// The result is canonical JSON and keeps <c>signatures</c> and <c>hashes</c>, so a redacted copy still verifies.
/// spec: client-server "Redactions"; rooms/vN "Redactions".
/// </summary>
public static class EventRedaction
{
    /// <summary>Writes the redacted form of <paramref name="event"/> as canonical JSON.</summary>
    public static bool TryRedact(JsonElement @event, RoomVersion version, IBufferWriter<byte> output, [NotNullWhen(false)] out string? error)
    {
        if (@event.ValueKind != JsonValueKind.Object)
        {
            error = "An event must be a JSON object.";
            return false;
        }
        var filter = RedactionFilter.For(version, TypeOf(@event), forSigning: false);
        error = CanonicalJsonWriter.Write(@event, output, version.StrictCanonicalJson, filter);
        return error is null;
    }

    public static bool TryRedact(ReadOnlySpan<byte> eventJson, RoomVersion version,
        [NotNullWhen(true)] out byte[]? redacted, [NotNullWhen(false)] out string? error)
    {
        redacted = null;
        if (!CanonicalJson.TryParse(eventJson, out JsonElement root, out error))
        {
            return false;
        }
        var buffer = PooledBuffer.Rent();
        try
        {
            if (!TryRedact(root, version, buffer, out error))
            {
                return false;
            }
            redacted = buffer.WrittenSpan.ToArray();
            return true;
        }
        finally
        {
            PooledBuffer.Return(buffer);
        }
    }

    /// <summary>The redacted form of an event; throws <see cref="CanonicalJsonException"/> for invalid input.</summary>
    public static byte[] Redact(ReadOnlySpan<byte> eventJson, RoomVersion version) =>
        TryRedact(eventJson, version, out byte[]? redacted, out string? error) ? redacted : throw new CanonicalJsonException(error);

    internal static JsonElement TypeOf(JsonElement @event) =>
        @event.TryGetProperty("type"u8, out JsonElement type) ? type : default;
}
