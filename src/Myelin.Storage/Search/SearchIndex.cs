using System.Text.Json;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Search;

/// <summary>
/// Keeps the engine's full-text index (SQLite FTS5 / PostgreSQL tsvector) in step with the events table, inside the
/// caller's transaction: <see cref="IndexAsync"/> when an event is persisted, <see cref="RemoveAsync"/> when one is
/// redacted. Indexed: <c>content.body</c> of m.room.message, <c>content.name</c> of m.room.name, <c>content.topic</c>
/// and the text/plain <c>m.topic</c> body of m.room.topic. spec: client-server "Server Side Search" (room_events).
/// </summary>
public static class SearchIndex
{
    /// <summary>The PostgreSQL text search configuration (stemming as Synapse does).</summary>
    public const string PostgresConfig = "english";

    /// <summary>The searchable text of an event, or null when it has none.</summary>
    public static string? TextOf(string type, string? stateKey, JsonElement content)
    {
        if (content.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        switch (type)
        {
            case EventTypes.Message:
                return String(content, "body");
            case EventTypes.Name when stateKey == "":
                return String(content, "name");
            case EventTypes.Topic when stateKey == "":
                var parts = new List<string>();
                if (String(content, "topic") is { } topic)
                {
                    parts.Add(topic);
                }
                // spec: m.room.topic "the body of the text/plain representation in content['m.topic']".
                if (content.TryGetProperty("m.topic", out var rich) && rich.ValueKind == JsonValueKind.Object
                    && rich.TryGetProperty("m.text", out var texts) && texts.ValueKind == JsonValueKind.Array)
                {
                    foreach (var text in texts.EnumerateArray())
                    {
                        if (text.ValueKind == JsonValueKind.Object && String(text, "body") is { } body
                            && (!text.TryGetProperty("mimetype", out var mime) || (mime.ValueKind == JsonValueKind.String && mime.ValueEquals("text/plain")))
                            && !parts.Contains(body))
                        {
                            parts.Add(body);
                        }
                    }
                }
                return parts.Count == 0 ? null : string.Join("\n", parts);
            default:
                return null;
        }
    }

    /// <summary>Indexes the event at <paramref name="position"/> if it has searchable text.</summary>
    internal static Task IndexAsync(DbSession db, DatabaseEngineKind engine, Pdu pdu, long position) =>
        IndexTextAsync(db, engine, pdu.RoomId, position, TextOf(pdu.Type, pdu.StateKey, pdu.Content));

    internal static async Task IndexTextAsync(DbSession db, DatabaseEngineKind engine, RoomId roomId, long position, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }
        // NUL cannot be stored in PostgreSQL text; it separates nothing a user would search for.
        text = text.Replace('\0', ' ');
        if (engine == DatabaseEngineKind.Sqlite)
        {
            await db.ExecuteAsync("INSERT OR REPLACE INTO event_search (rowid, value) VALUES (@position, @value)", ("position", position), ("value", text));
        }
        else
        {
            await db.ExecuteAsync(
                $"INSERT INTO event_search (stream_ordering, room_id, vector) VALUES (@position, @room_id, to_tsvector('{PostgresConfig}', @value)) " +
                "ON CONFLICT (stream_ordering) DO UPDATE SET vector = excluded.vector",
                ("position", position), ("room_id", roomId.Value), ("value", text));
        }
    }

    /// <summary>Removes a redacted event from the index (spec: redacted content must no longer be served, searches included).</summary>
    internal static Task RemoveAsync(DbSession db, DatabaseEngineKind engine, EventId target) =>
        db.ExecuteAsync(engine == DatabaseEngineKind.Sqlite
            ? "DELETE FROM event_search WHERE rowid = (SELECT stream_ordering FROM events WHERE event_id = @target)"
            : "DELETE FROM event_search WHERE stream_ordering = (SELECT stream_ordering FROM events WHERE event_id = @target)",
            ("target", target.Value));

    private static string? String(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
