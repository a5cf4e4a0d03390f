using System.Text.Json;

namespace Myelin.Load.Scenarios;

/// <summary>What the load generator needs from a /sync response: the next token, joined rooms and this run's messages.</summary>
public sealed record SyncBatch(string NextBatch, int JoinedRooms, IReadOnlyList<string> LoadIds, int LimitedTimelines, int TimelineEvents)
{
    /// <summary>The filter the scenarios sync with: a bounded timeline, members lazy-loaded, no presence or account data.</summary>
    /// <remarks>spec: client-server "Filtering" (an inline filter is a JSON object in the <c>filter</c> query parameter).</remarks>
    public static string Filter(int timelineLimit) =>
        $$$"""{"room":{"timeline":{"limit":{{{timelineLimit}}}},"state":{"lazy_load_members":true},"ephemeral":{"types":[]},"account_data":{"types":[]}},"presence":{"types":[]},"account_data":{"types":[]}}""";

    /// <summary>Parses a /sync body; throws <see cref="FormatException"/> when it lacks <c>next_batch</c> or is not JSON.</summary>
    public static SyncBatch Parse(byte[] body, string runId)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new FormatException("the /sync response is not JSON: " + e.Message, e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("next_batch", out var next) || next.ValueKind != JsonValueKind.String)
            {
                throw new FormatException("the /sync response has no string next_batch");
            }
            var ids = new List<string>();
            int joined = 0, limited = 0, events = 0;
            if (root.TryGetProperty("rooms", out var rooms) && rooms.ValueKind == JsonValueKind.Object
                && rooms.TryGetProperty("join", out var join) && join.ValueKind == JsonValueKind.Object)
            {
                foreach (var room in join.EnumerateObject())
                {
                    joined++;
                    if (!room.Value.TryGetProperty("timeline", out var timeline) || timeline.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }
                    if (timeline.TryGetProperty("limited", out var isLimited) && isLimited.ValueKind == JsonValueKind.True)
                    {
                        limited++;
                    }
                    if (timeline.TryGetProperty("events", out var list) && list.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var clientEvent in list.EnumerateArray())
                        {
                            events++;
                            if (LoadMessage.IdOf(clientEvent, runId) is { } id)
                            {
                                ids.Add(id);
                            }
                        }
                    }
                }
            }
            return new SyncBatch(next.GetString()!, joined, ids, limited, events);
        }
    }
}
