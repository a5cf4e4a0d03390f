using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Tests.Authorization;

/// <summary>Builds <see cref="Pdu"/>s for tests from their fields; no hashes or signatures are needed.</summary>
internal static class TestPdu
{
    public static Pdu Make(
        RoomVersion version, string eventId, string roomId, string sender, string type, string? stateKey,
        string content = "{}", IEnumerable<string>? prevEvents = null, IEnumerable<string>? authEvents = null,
        long originServerTs = 0, string? redacts = null, bool includeRoomId = true, JsonObject? extra = null)
    {
        var json = new JsonObject
        {
            ["type"] = type,
            ["sender"] = sender,
            ["content"] = JsonNode.Parse(content),
            ["origin_server_ts"] = originServerTs,
            ["prev_events"] = new JsonArray((prevEvents ?? []).Select(e => (JsonNode)JsonValue.Create(e)!).ToArray()),
            ["auth_events"] = new JsonArray((authEvents ?? []).Select(e => (JsonNode)JsonValue.Create(e)!).ToArray()),
        };
        if (includeRoomId)
        {
            json["room_id"] = roomId;
        }
        if (stateKey is not null)
        {
            json["state_key"] = stateKey;
        }
        foreach (var (k, v) in extra ?? [])
        {
            json[k] = v?.DeepClone();
        }
        byte[] bytes = Encoding.UTF8.GetBytes(json.ToJsonString());
        using var doc = JsonDocument.Parse(bytes);
        return new Pdu
        {
            Json = bytes,
            RoomVersion = version,
            EventId = EventId.Parse(eventId),
            RoomId = RoomId.Parse(roomId),
            Sender = UserId.Parse(sender),
            Type = type,
            StateKey = stateKey,
            Content = doc.RootElement.GetProperty("content").Clone(),
            OriginServerTs = originServerTs,
            PrevEvents = (prevEvents ?? []).Select(EventId.Parse).ToArray(),
            AuthEvents = (authEvents ?? []).Select(EventId.Parse).ToArray(),
            Redacts = redacts is null ? null : EventId.Parse(redacts),
        };
    }
}
