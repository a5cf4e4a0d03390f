using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.Json;

namespace Myelin.Protocol.Events;

/// <summary>
/// Builds the PDU for a local event: writes the event, hashes and signs it as <paramref name="origin"/>
/// (content hash, redact, sign, copy the signature back), computes its event ID and parses it back into a
/// <see cref="Pdu"/> with the same checks applied to received events.
/// spec: server-server "Adding hashes and signatures to outgoing events"; rooms/vN "Event format".
/// </summary>
public static class PduBuilder
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    public static bool TryBuild(PduTemplate template, ServerName origin, SigningKey key,
        [NotNullWhen(true)] out Pdu? pdu, [NotNullWhen(false)] out string? error)
    {
        pdu = null;
        var version = template.RoomVersion;
        bool isV12Create = version.RoomIdIsCreateEventHash && template.Type == EventTypes.Create && template.StateKey == "";
        if (isV12Create != template.RoomId is null)
        {
            error = isV12Create
                ? $"A room version {version.Id} m.room.create event has no room_id; it is derived from the event."
                : "room_id is required.";
            return false;
        }
        if (template.Content.ValueKind != JsonValueKind.Object)
        {
            error = "content must be a JSON object.";
            return false;
        }
        if (template.Redacts is not null && version.RedactsInContent)
        {
            error = $"In room version {version.Id} redacts belongs in content.";
            return false;
        }
        if (version.EventIdInPdu && template.ReferenceHashOf is null && (template.PrevEvents.Count > 0 || template.AuthEvents.Count > 0))
        {
            error = $"Room version {version.Id} references events with their hashes; ReferenceHashOf is required.";
            return false;
        }

        ArrayBufferWriter<byte> draft = PooledBuffer.Rent();
        try
        {
            EventId? serverScopedId = version.EventIdInPdu ? EventId.NewServerScoped(origin) : null;
            using (var writer = new Utf8JsonWriter(draft, WriterOptions))
            {
                writer.WriteStartObject();
                if (!WriteReferences(writer, "auth_events", template.AuthEvents, template, out error)
                    || !WriteReferences(writer, "prev_events", template.PrevEvents, template, out error))
                {
                    return false;
                }
                writer.WritePropertyName("content"u8);
                template.Content.WriteTo(writer);
                writer.WriteNumber("depth"u8, template.Depth);
                if (serverScopedId is { } id)
                {
                    writer.WriteString("event_id"u8, id.Value);
                }
                writer.WriteNumber("origin_server_ts"u8, template.OriginServerTs);
                if (template.Redacts is { } redacts)
                {
                    writer.WriteString("redacts"u8, redacts.Value);
                }
                if (template.RoomId is { } roomId)
                {
                    writer.WriteString("room_id"u8, roomId.Value);
                }
                writer.WriteString("sender"u8, template.Sender.Value);
                if (template.StateKey is not null)
                {
                    writer.WriteString("state_key"u8, template.StateKey);
                }
                writer.WriteString("type"u8, template.Type);
                if (template.Unsigned is { } unsignedData)
                {
                    writer.WritePropertyName("unsigned"u8);
                    unsignedData.WriteTo(writer);
                }
                writer.WriteEndObject();
            }
            if (!CanonicalJson.TryParse(draft.WrittenSpan, out JsonElement draftRoot, out error))
            {
                return false;
            }
            var signed = new ArrayBufferWriter<byte>(draft.WrittenCount + 256);
            if (!EventSigning.TryHashAndSign(draftRoot, version, origin.Value, key, signed, out error))
            {
                return false;
            }
            return PduParser.TryParse(signed.WrittenMemory, version, out pdu, out error);
        }
        finally
        {
            PooledBuffer.Return(draft);
        }
    }

    /// <summary>Builds a PDU; throws <see cref="ArgumentException"/> with the reason when the template is invalid.</summary>
    public static Pdu Build(PduTemplate template, ServerName origin, SigningKey key) =>
        TryBuild(template, origin, key, out Pdu? pdu, out string? error) ? pdu : throw new ArgumentException(error, nameof(template));

    private static bool WriteReferences(Utf8JsonWriter writer, string name, IReadOnlyList<EventId> ids, PduTemplate template,
        [NotNullWhen(false)] out string? error)
    {
        error = null;
        writer.WriteStartArray(name);
        foreach (EventId id in ids)
        {
            if (!template.RoomVersion.EventIdInPdu)
            {
                writer.WriteStringValue(id.Value);
                continue;
            }
            ReadOnlyMemory<byte> hash = template.ReferenceHashOf!(id);
            if (hash.Length != EventHashing.HashSize)
            {
                error = $"No reference hash for {id}.";
                return false;
            }
            writer.WriteStartArray();
            writer.WriteStringValue(id.Value);
            writer.WriteStartObject();
            writer.WriteString("sha256"u8, UnpaddedBase64.Encode(hash.Span));
            writer.WriteEndObject();
            writer.WriteEndArray();
        }
        writer.WriteEndArray();
        return true;
    }
}
