using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Myelin.Load.Scenarios;

/// <summary>
/// The <c>m.room.message</c> content the load generator sends: a text body plus an <c>org.myelin.load</c> object with a
/// unique ID (run ID prefixed, so other traffic is never counted) and the sender's wall-clock send time.
/// </summary>
public static class LoadMessage
{
    public const string MarkerKey = "org.myelin.load";

    public static JsonObject Create(string id, string body) => new()
    {
        ["msgtype"] = "m.text",
        ["body"] = body,
        [MarkerKey] = new JsonObject { ["id"] = id, ["sent_at_ms"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
    };

    public static string NewId(string runId, long sequence) => runId + ":" + sequence.ToString(CultureInfo.InvariantCulture);

    /// <summary>The load ID of a client-format event, or null when it is not one of this run's messages.</summary>
    public static string? IdOf(JsonElement clientEvent, string runId)
    {
        if (clientEvent.ValueKind == JsonValueKind.Object
            && clientEvent.TryGetProperty("type", out var type) && type.ValueEquals("m.room.message")
            && clientEvent.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Object
            && content.TryGetProperty(MarkerKey, out var marker) && marker.ValueKind == JsonValueKind.Object
            && marker.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
        {
            string value = id.GetString()!;
            return value.StartsWith(runId + ":", StringComparison.Ordinal) ? value : null;
        }
        return null;
    }
}
