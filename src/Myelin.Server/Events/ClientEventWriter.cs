using System.Text.Json;
using Myelin.Protocol.Events;

namespace Myelin.Server.Events;

/// <summary>What a client event carries besides the PDU's own fields: the <c>unsigned</c> data the server adds.</summary>
public sealed record ClientEventExtras
{
    public static readonly ClientEventExtras None = new();

    /// <summary>Set only when serving the event to the device that sent it. spec: "Transaction identifiers".</summary>
    public string? TransactionId { get; init; }
    /// <summary>For state events: the content and sender of the state this event replaced.</summary>
    public JsonElement? PrevContent { get; init; }
    public string? PrevSender { get; init; }
    public string? ReplacesState { get; init; }
    /// <summary>The redaction event, when this event has been redacted (its content is then the redacted form).</summary>
    public JsonElement? RedactedBecause { get; init; }
    /// <summary>The <c>m.relations</c> aggregations (edits, threads, references). spec: "Aggregations of child events".</summary>
    public JsonElement? Relations { get; init; }
    /// <summary>The requesting user's membership at the time of the event. spec: ClientEvent unsigned.membership.</summary>
    public string? Membership { get; init; }
}

/// <summary>
/// Writes a PDU in the client format (<c>ClientEvent</c> / <c>ClientEventWithoutRoomID</c>): the fields a client
/// sees, never the federation-only ones (hashes, signatures, prev/auth events, depth).
/// spec: client-server "Room Event Format", openapi definitions/client_event.yaml.
/// </summary>
public static class ClientEventWriter
{
    public static void Write(Utf8JsonWriter writer, Pdu pdu, long nowMs, bool includeRoomId = true, ClientEventExtras? extras = null,
        JsonElement? contentOverride = null)
    {
        extras ??= ClientEventExtras.None;
        writer.WriteStartObject();
        writer.WritePropertyName("content"u8);
        (contentOverride ?? pdu.Content).WriteTo(writer);
        writer.WriteString("event_id"u8, pdu.EventId.Value);
        writer.WriteNumber("origin_server_ts"u8, pdu.OriginServerTs);
        if (includeRoomId)
        {
            writer.WriteString("room_id"u8, pdu.RoomId.Value);
        }
        writer.WriteString("sender"u8, pdu.Sender.Value);
        if (pdu.StateKey is not null)
        {
            writer.WriteString("state_key"u8, pdu.StateKey);
        }
        writer.WriteString("type"u8, pdu.Type);
        // v1–v10 redactions carry `redacts` at the top level; clients still read it there (and from content in v11+).
        if (pdu.Redacts is { } redacts && !pdu.RoomVersion.RedactsInContent)
        {
            writer.WriteString("redacts"u8, redacts.Value);
        }

        writer.WritePropertyName("unsigned"u8);
        writer.WriteStartObject();
        writer.WriteNumber("age"u8, Math.Max(0, nowMs - pdu.OriginServerTs));
        if (extras.Membership is not null)
        {
            writer.WriteString("membership"u8, extras.Membership);
        }
        if (extras.PrevContent is { } prev)
        {
            writer.WritePropertyName("prev_content"u8);
            prev.WriteTo(writer);
        }
        if (extras.PrevSender is not null)
        {
            writer.WriteString("prev_sender"u8, extras.PrevSender);
        }
        if (extras.ReplacesState is not null)
        {
            writer.WriteString("replaces_state"u8, extras.ReplacesState);
        }
        if (extras.RedactedBecause is { } because)
        {
            writer.WritePropertyName("redacted_because"u8);
            because.WriteTo(writer);
        }
        if (extras.TransactionId is not null)
        {
            writer.WriteString("transaction_id"u8, extras.TransactionId);
        }
        if (extras.Relations is { } relations)
        {
            writer.WritePropertyName("m.relations"u8);
            relations.WriteTo(writer);
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Serializes one client event to UTF-8 bytes.</summary>
    public static byte[] ToUtf8(Pdu pdu, long nowMs, bool includeRoomId = true, ClientEventExtras? extras = null, JsonElement? contentOverride = null)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(pdu.Json.Length + 128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, pdu, nowMs, includeRoomId, extras, contentOverride);
        }
        return buffer.WrittenSpan.ToArray();
    }
}
