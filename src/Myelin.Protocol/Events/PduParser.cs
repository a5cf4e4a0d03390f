using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.Json;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Events;

/// <summary>
/// Parses a PDU from its exact bytes for a room version: checks JSON validity (strict canonical JSON from
/// v6), the size limits, field types and identifiers, and computes the event ID (v3+) and, for a v12
/// create event, the room ID. Never throws on bad input: every problem is a readable <c>error</c>.
/// spec: server-server "PDUs"; client-server "Size limits"; rooms/vN "Event format", "Event IDs".
/// </summary>
public static class PduParser
{
    /// <summary>spec: client-server "Size limits" — the complete event MUST NOT be larger than 65536 bytes.</summary>
    public const int MaxPduSize = 65536;

    /// <summary>spec: client-server "Size limits" — <c>type</c> and <c>state_key</c> MUST NOT exceed 255 bytes.</summary>
    public const int MaxTypeOrStateKeyBytes = 255;

    /// <summary>Input this large cannot become a valid PDU even after whitespace is removed; it is not parsed at all.</summary>
    private const int MaxRawSize = 4 * MaxPduSize;

    public static bool TryParse(ReadOnlyMemory<byte> json, RoomVersion version,
        [NotNullWhen(true)] out Pdu? pdu, [NotNullWhen(false)] out string? error)
    {
        pdu = null;
        if (json.Length > MaxRawSize)
        {
            error = $"The event is larger than {MaxPduSize} bytes.";
            return false;
        }
        if (!CanonicalJson.TryParse(json.Span, out JsonElement root, out error))
        {
            return false;
        }
        return TryParse(json, root, version, out pdu, out error);
    }

    /// <summary>Parses a PDU; throws <see cref="FormatException"/> with the reason when it is invalid.</summary>
    public static Pdu Parse(ReadOnlyMemory<byte> json, RoomVersion version) =>
        TryParse(json, version, out Pdu? pdu, out string? error) ? pdu : throw new FormatException(error);

    internal static bool TryParse(ReadOnlyMemory<byte> json, JsonElement root, RoomVersion version,
        [NotNullWhen(true)] out Pdu? pdu, [NotNullWhen(false)] out string? error)
    {
        pdu = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "A PDU must be a JSON object.";
            return false;
        }

        // One pass validates the whole event as canonical JSON (strict from v6) and measures it.
        long size = CanonicalJson.MeasureCanonicalLength(root, version.StrictCanonicalJson, out error);
        if (error is not null)
        {
            return false;
        }
        if (size > MaxPduSize)
        {
            error = $"The event is {size} bytes as canonical JSON; the limit is {MaxPduSize}.";
            return false;
        }

        if (!TryGetString(root, "type", required: true, out string? type, out error)
            || !TryGetString(root, "sender", required: true, out string? senderText, out error)
            || !TryGetString(root, "state_key", required: false, out string? stateKey, out error))
        {
            return false;
        }
        if (Encoding.UTF8.GetByteCount(type!) > MaxTypeOrStateKeyBytes)
        {
            error = $"'type' is longer than {MaxTypeOrStateKeyBytes} bytes.";
            return false;
        }
        if (stateKey is not null && Encoding.UTF8.GetByteCount(stateKey) > MaxTypeOrStateKeyBytes)
        {
            error = $"'state_key' is longer than {MaxTypeOrStateKeyBytes} bytes.";
            return false;
        }
        if (!UserId.TryParse(senderText, out UserId sender))
        {
            error = $"'sender' is not a valid user ID: '{senderText}'.";
            return false;
        }
        if (!root.TryGetProperty("content"u8, out JsonElement content) || content.ValueKind != JsonValueKind.Object)
        {
            error = "'content' must be an object.";
            return false;
        }
        if (!TryGetInteger(root, "origin_server_ts", out long originServerTs, out error)
            || !TryGetInteger(root, "depth", out long depth, out error))
        {
            return false;
        }
        if (depth < 0)
        {
            error = "'depth' must not be negative.";
            return false;
        }
        foreach (string objectField in (ReadOnlySpan<string>)["hashes", "signatures"])
        {
            if (!root.TryGetProperty(objectField, out JsonElement value) || value.ValueKind != JsonValueKind.Object)
            {
                error = $"'{objectField}' must be an object.";
                return false;
            }
        }
        if (root.TryGetProperty("unsigned"u8, out JsonElement unsignedData) && unsignedData.ValueKind != JsonValueKind.Object)
        {
            error = "'unsigned' must be an object.";
            return false;
        }
        if (!TryGetReferences(root, "prev_events", version, out List<EventId>? prevEvents, out error)
            || !TryGetReferences(root, "auth_events", version, out List<EventId>? authEvents, out error))
        {
            return false;
        }

        // Event ID: carried in v1/v2, the reference hash from v3 (spec: rooms/v1, v3, v4 "Event IDs").
        EventId eventId;
        if (version.EventIdInPdu)
        {
            if (!TryGetString(root, "event_id", required: true, out string? eventIdText, out error))
            {
                return false;
            }
            if (!EventId.TryParse(eventIdText, out eventId))
            {
                error = $"'event_id' is not a valid event ID: '{eventIdText}'.";
                return false;
            }
        }
        else if (!EventHashing.TryComputeEventId(root, version, out eventId, out error))
        {
            return false;
        }

        // Room ID: a v12 create event has none; its room ID is its event ID with '!' (spec: rooms/v12).
        RoomId roomId;
        bool isV12Create = version.RoomIdIsCreateEventHash && type == EventTypes.Create && stateKey == "";
        if (isV12Create)
        {
            if (root.TryGetProperty("room_id"u8, out _))
            {
                error = $"A room version {version.Id} m.room.create event must not have a room_id.";
                return false;
            }
            roomId = RoomId.FromCreateEventId(eventId);
        }
        else
        {
            if (!TryGetString(root, "room_id", required: true, out string? roomIdText, out error))
            {
                return false;
            }
            if (!RoomId.TryParse(roomIdText, out roomId))
            {
                error = $"'room_id' is not a valid room ID: '{roomIdText}'.";
                return false;
            }
        }

        if (!TryGetRedacts(root, content, type!, version, out EventId? redacts, out error))
        {
            return false;
        }

        pdu = new Pdu
        {
            Json = json,
            RoomVersion = version,
            Root = root,
            EventId = eventId,
            RoomId = roomId,
            Sender = sender,
            Type = type!,
            StateKey = stateKey,
            Content = content,
            OriginServerTs = originServerTs,
            Depth = depth,
            PrevEvents = prevEvents!,
            AuthEvents = authEvents!,
            Redacts = redacts,
        };
        return true;
    }

    private static bool TryGetString(JsonElement root, string name, bool required, out string? value, [NotNullWhen(false)] out string? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty(name, out JsonElement element))
        {
            if (required)
            {
                error = $"'{name}' is missing.";
                return false;
            }
            return true;
        }
        if (element.ValueKind != JsonValueKind.String)
        {
            error = $"'{name}' must be a string.";
            return false;
        }
        value = element.GetString();
        return true;
    }

    private static bool TryGetInteger(JsonElement root, string name, out long value, [NotNullWhen(false)] out string? error)
    {
        value = 0;
        error = null;
        if (!root.TryGetProperty(name, out JsonElement element) || element.ValueKind != JsonValueKind.Number)
        {
            error = $"'{name}' must be an integer.";
            return false;
        }
        if (!element.TryGetInt64(out value))
        {
            error = $"'{name}' must be an integer within 64 bits.";
            return false;
        }
        return true;
    }

    /// <summary>v1/v2: <c>[[event_id, {hashes}], ...]</c>; v3+: <c>[event_id, ...]</c>. spec: pdu_v1, pdu_v3.</summary>
    private static bool TryGetReferences(JsonElement root, string name, RoomVersion version,
        [NotNullWhen(true)] out List<EventId>? ids, [NotNullWhen(false)] out string? error)
    {
        ids = null;
        error = null;
        if (!root.TryGetProperty(name, out JsonElement array) || array.ValueKind != JsonValueKind.Array)
        {
            error = $"'{name}' must be an array.";
            return false;
        }
        ids = new List<EventId>(array.GetArrayLength());
        foreach (JsonElement item in array.EnumerateArray())
        {
            JsonElement idElement = item;
            if (version.EventIdInPdu)
            {
                if (item.ValueKind != JsonValueKind.Array || item.GetArrayLength() != 2
                    || item[1].ValueKind != JsonValueKind.Object)
                {
                    error = $"'{name}' entries must be [event_id, hashes] pairs in room version {version.Id}.";
                    return false;
                }
                idElement = item[0];
            }
            if (idElement.ValueKind != JsonValueKind.String || !EventId.TryParse(idElement.GetString(), out EventId id))
            {
                error = $"'{name}' holds an invalid event ID: {idElement.GetRawText()}.";
                return false;
            }
            ids.Add(id);
        }
        return true;
    }

    /// <summary>The redacted event: top-level <c>redacts</c> (v1–v10), <c>content.redacts</c> (v11+). Absent after the redaction itself was redacted.</summary>
    private static bool TryGetRedacts(JsonElement root, JsonElement content, string type, RoomVersion version,
        out EventId? redacts, [NotNullWhen(false)] out string? error)
    {
        redacts = null;
        error = null;
        if (type != EventTypes.Redaction)
        {
            return true;
        }
        JsonElement holder = version.RedactsInContent ? content : root;
        if (!holder.TryGetProperty("redacts"u8, out JsonElement element))
        {
            return true;
        }
        string where = version.RedactsInContent ? "content.redacts" : "redacts";
        if (element.ValueKind != JsonValueKind.String || !EventId.TryParse(element.GetString(), out EventId id))
        {
            error = $"'{where}' is not a valid event ID.";
            return false;
        }
        redacts = id;
        return true;
    }
}
