using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Rooms;
using Myelin.Storage.Events;

namespace Myelin.Server.Events;

/// <summary>
/// Serves stored events to a client: the client event format plus the <c>unsigned</c> data the server adds —
/// the redacted form and <c>redacted_because</c> for redacted events, <c>prev_content</c> for state events,
/// and <c>transaction_id</c> for the device that sent the event. Aggregations (<c>m.relations</c>) are added
/// by the caller through <see cref="SerializeAsync"/>'s <c>relations</c> argument where it computes them.
/// spec: client-server "Room Event Format", "Redactions", "Transaction identifiers".
/// </summary>
public sealed class ClientEvents
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly RoomEvents _events;
    private readonly TimeProvider _time;

    public ClientEvents(RoomEvents events, TimeProvider time)
    {
        _events = events;
        _time = time;
    }

    /// <summary>Serializes events (in the given order) for <paramref name="requester"/>; each item is one client event's UTF-8 JSON.</summary>
    public async Task<IReadOnlyList<byte[]>> SerializeAsync(IReadOnlyList<StoredEvent> events, Requester? requester, bool includeRoomId = true,
        IReadOnlyDictionary<EventId, JsonElement>? relations = null, CancellationToken cancellationToken = default)
    {
        if (events.Count == 0)
        {
            return [];
        }
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();

        IReadOnlyDictionary<EventId, string> transactionIds = requester?.DeviceId is { } device && events.Any(e => e.Sender == requester.UserId)
            ? await _events.Database.Events.GetTransactionIdsAsync(events.Where(e => e.Sender == requester.UserId).Select(e => e.EventId).ToArray(),
                requester.UserId, device, cancellationToken)
            : new Dictionary<EventId, string>();

        // Everything the extras refer to, fetched in one go: redaction events and replaced state events.
        var pdus = new Dictionary<EventId, Pdu>(events.Count);
        var referenced = new HashSet<EventId>();
        foreach (var stored in events)
        {
            var pdu = await _events.ToPduAsync(stored, cancellationToken);
            pdus[stored.EventId] = pdu;
            if (stored.RedactedBy is { } by)
            {
                referenced.Add(by);
            }
            if (ReplacesState(pdu) is { } replaced)
            {
                referenced.Add(replaced);
            }
        }
        var related = referenced.Count == 0 ? new Dictionary<EventId, Pdu>() : await _events.GetPdusAsync(referenced, cancellationToken);

        var result = new byte[events.Count][];
        var buffer = new ArrayBufferWriter<byte>(4096);
        for (int i = 0; i < events.Count; i++)
        {
            var stored = events[i];
            var pdu = pdus[stored.EventId];
            JsonElement? content = null;
            JsonElement? redactedBecause = null;
            if (stored.RedactedBy is { } by && related.TryGetValue(by, out var redaction))
            {
                content = RedactedContent(pdu);
                redactedBecause = JsonElement.Parse(ClientEventWriter.ToUtf8(redaction, now, includeRoomId));
            }
            JsonElement? prevContent = null;
            string? prevSender = null;
            string? replacesState = null;
            if (ReplacesState(pdu) is { } replaced && related.TryGetValue(replaced, out var previous))
            {
                replacesState = replaced.Value;
                prevSender = previous.Sender.Value;
                prevContent = previous.Content;
            }
            var extras = new ClientEventExtras
            {
                TransactionId = transactionIds.GetValueOrDefault(stored.EventId),
                RedactedBecause = redactedBecause,
                PrevContent = prevContent,
                PrevSender = prevSender,
                ReplacesState = replacesState,
                Relations = relations is not null && relations.TryGetValue(stored.EventId, out var r) ? r : null,
            };
            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                ClientEventWriter.Write(writer, pdu, now, includeRoomId, extras, content);
            }
            result[i] = buffer.WrittenSpan.ToArray();
        }
        return result;
    }

    /// <summary>One event, as <see cref="SerializeAsync"/> would serve it.</summary>
    public async Task<JsonObject> SerializeOneAsync(StoredEvent stored, Requester? requester, bool includeRoomId = true,
        JsonElement? relations = null, CancellationToken cancellationToken = default)
    {
        var r = relations is { } rel ? new Dictionary<EventId, JsonElement> { [stored.EventId] = rel } : null;
        var bytes = (await SerializeAsync([stored], requester, includeRoomId, r, cancellationToken))[0];
        return JsonNode.Parse(bytes)!.AsObject();
    }

    /// <summary>Serialized events as a <see cref="JsonArray"/>, for endpoints that build their response as nodes.</summary>
    public static JsonArray ToJsonArray(IEnumerable<byte[]> events) => new(events.Select(e => JsonNode.Parse(e)).ToArray());

    /// <summary>Writes serialized events into an open JSON array without re-parsing them.</summary>
    public static void WriteRaw(Utf8JsonWriter writer, IEnumerable<byte[]> events)
    {
        foreach (var e in events)
        {
            writer.WriteRawValue(e, skipInputValidation: true);
        }
    }

    /// <summary>The state event this one replaced, as recorded in <c>unsigned.replaces_state</c> when it was created.</summary>
    private static EventId? ReplacesState(Pdu pdu)
    {
        if (pdu.StateKey is null || !pdu.Root.TryGetProperty("unsigned", out var unsigned) || unsigned.ValueKind != JsonValueKind.Object ||
            !unsigned.TryGetProperty("replaces_state", out var replaces) || replaces.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        return EventId.TryParse(replaces.GetString(), out var id) ? id : null;
    }

    private static JsonElement RedactedContent(Pdu pdu)
    {
        var redacted = EventRedaction.Redact(pdu.Json.Span, pdu.RoomVersion);
        using var document = JsonDocument.Parse(redacted);
        return document.RootElement.TryGetProperty("content", out var content) ? content.Clone() : JsonElement.Parse("{}"u8);
    }
}
