using System.Text.Json;
using Myelin.Protocol.Events;

namespace Myelin.Protocol.Push;

/// <summary>
/// An event prepared for push-rule evaluation: built once per event, then evaluated against every
/// recipient's rules. String properties read by <c>event_match</c> are materialised once and cached,
/// so evaluating further recipients allocates nothing. Not thread-safe: one instance per evaluating thread.
/// </summary>
public sealed class PushEvent
{
    private readonly Dictionary<string, string?> _strings = new(StringComparer.Ordinal);

    /// <param name="eventJson">The event as a JSON object (PDU or client format); the caller keeps its document alive.</param>
    public PushEvent(JsonElement eventJson)
    {
        if (eventJson.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("A push event must be a JSON object.", nameof(eventJson));
        }
        Json = eventJson;
        Sender = GetString(PropertyPath.Sender);
    }

    /// <summary>Prepares a PDU; its bytes are parsed once here.</summary>
    public static PushEvent FromPdu(Pdu pdu)
    {
        ArgumentNullException.ThrowIfNull(pdu);
        var reader = new Utf8JsonReader(pdu.Json.Span);
        return new PushEvent(JsonElement.ParseValue(ref reader));
    }

    public JsonElement Json { get; }

    /// <summary>The event's <c>sender</c>, or null when absent or not a string.</summary>
    public string? Sender { get; }

    /// <summary>The string at <paramref name="path"/>, or null when absent or not a string.</summary>
    public string? GetString(PropertyPath path)
    {
        if (_strings.TryGetValue(path.Text, out string? cached))
        {
            return cached;
        }
        string? value = path.TryResolve(Json, out JsonElement element) && element.ValueKind == JsonValueKind.String
            ? element.GetString()
            : null;
        _strings[path.Text] = value;
        return value;
    }

    /// <summary>The raw JSON value at <paramref name="path"/>.</summary>
    public bool TryGetValue(PropertyPath path, out JsonElement value) => path.TryResolve(Json, out value);
}
