using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Rooms;
using Myelin.Storage;
using Myelin.Storage.Push;

namespace Myelin.Server.Push;

/// <summary>
/// Builds the body of <c>POST /_matrix/push/v1/notify</c> for one queued push: the full notification, or only
/// <c>event_id</c>, <c>room_id</c>, <c>counts</c>, <c>prio</c> and <c>devices</c> when the pusher's
/// <c>data.format</c> is <c>event_id_only</c>. spec: push-gateway "Homeserver behaviour", push_notifier.yaml.
/// </summary>
public sealed class PushNotificationBuilder
{
    public const string EventIdOnlyFormat = "event_id_only";

    private readonly MyelinDatabase _database;
    private readonly RoomEvents _events;
    private readonly RoomEventWriter _writer;
    private readonly PushConfig _config;

    public PushNotificationBuilder(RoomEvents events, RoomEventWriter writer, MyelinConfig config)
    {
        _events = events;
        _database = events.Database;
        _writer = writer;
        _config = config.Push;
    }

    /// <summary>The request body, or null when the event is gone or redacted (nothing worth alerting about).</summary>
    public async Task<JsonObject?> BuildAsync(PushQueueEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var stored = await _database.Events.GetEventAsync(entry.EventId, cancellationToken);
        if (stored is null || stored.RedactedBy is not null || stored.IsRejected || stored.IsSoftFailed)
        {
            return null;
        }
        var pdu = await _events.ToPduAsync(stored, cancellationToken);
        var pusher = entry.Pusher;
        using var data = JsonDocument.Parse(pusher.Data);
        bool eventIdOnly = data.RootElement.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.String
            && format.ValueEquals(EventIdOnlyFormat);

        var tweaks = Tweaks(entry.Actions);
        var notification = new JsonObject
        {
            ["event_id"] = pdu.EventId.Value,
            ["room_id"] = pdu.RoomId.Value,
        };
        if (!eventIdOnly)
        {
            notification["type"] = pdu.Type;
            notification["sender"] = pdu.Sender.Value;
            if (pdu.Type == EventTypes.Member && pdu.StateKey is not null)
            {
                notification["user_is_target"] = pdu.StateKey == pusher.UserId.Value;
            }
            if (_config.IncludeContent)
            {
                var state = await _writer.GetCurrentStateAsync(pdu.RoomId, cancellationToken);
                if (ReadString(state, new StateKey(EventTypes.Member, pdu.Sender.Value), "displayname") is { } displayName)
                {
                    notification["sender_display_name"] = displayName;
                }
                if (ReadString(state, new StateKey(EventTypes.Name, ""), "name") is { Length: > 0 } roomName)
                {
                    notification["room_name"] = roomName;
                }
                if (ReadString(state, new StateKey(EventTypes.CanonicalAlias, ""), "alias") is { Length: > 0 } alias)
                {
                    notification["room_alias"] = alias;
                }
                if (pdu.Content.ValueKind == JsonValueKind.Object)
                {
                    notification["content"] = JsonNode.Parse(pdu.Content.GetRawText());
                }
            }
        }
        // As Synapse: a push that makes a sound, highlights or hides its content (encrypted) is urgent; others may wait.
        bool high = pdu.Type == "m.room.encrypted" || tweaks.ContainsKey("sound") || IsTrue(tweaks, "highlight");
        notification["prio"] = high ? "high" : "low";

        long unread = (await _database.Notifications.GetUnreadCountsAsync(pusher.UserId, cancellationToken)).Sum(c => c.NotificationCount);
        var counts = new JsonObject();
        if (unread > 0)
        {
            // spec: "Counts whose value is zero should be omitted."
            counts["unread"] = unread;
        }
        notification["counts"] = counts;

        var deviceData = (JsonObject)JsonNode.Parse(pusher.Data)!;
        // spec: data "minus the url key".
        deviceData.Remove("url");
        notification["devices"] = new JsonArray(new JsonObject
        {
            ["app_id"] = pusher.AppId,
            ["pushkey"] = pusher.Pushkey,
            ["pushkey_ts"] = pusher.PushkeyTs / 1000,
            ["data"] = deviceData,
            ["tweaks"] = tweaks,
        });
        return new JsonObject { ["notification"] = notification };
    }

    /// <summary>The <c>set_tweak</c> actions as a tweaks object; a tweak without a value (highlight) means true.</summary>
    public static JsonObject Tweaks(string actionsJson)
    {
        var tweaks = new JsonObject();
        if (JsonNode.Parse(actionsJson) is not JsonArray actions)
        {
            return tweaks;
        }
        foreach (var action in actions)
        {
            if (action is JsonObject tweak && tweak["set_tweak"] is JsonValue name && name.TryGetValue<string>(out var tweakName))
            {
                tweaks[tweakName] = tweak.TryGetPropertyValue("value", out var value) ? value?.DeepClone() : true;
            }
        }
        return tweaks;
    }

    private static bool IsTrue(JsonObject tweaks, string name) =>
        tweaks[name] is JsonValue value && value.GetValueKind() == JsonValueKind.True;

    private static string? ReadString(IReadOnlyDictionary<StateKey, Pdu> state, StateKey key, string property) =>
        state.TryGetValue(key, out var pdu) && pdu.Content.ValueKind == JsonValueKind.Object
            && pdu.Content.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
