using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Storage.Events;
using Myelin.Storage.State;

namespace Myelin.Storage.Tests.Infrastructure;

/// <summary>
/// Builds a linear room for storage tests: each event's prev_events is the last event, its state
/// before is the state after the last event, and it is persisted through <see cref="IEventStore"/>.
/// </summary>
internal sealed class RoomBuilder(MyelinDatabase db, RoomId roomId)
{
    private int _counter;
    private long _depth;
    private EventId? _last;
    private StateGroupId? _stateAfterLast;

    public RoomId RoomId => roomId;
    public EventId? Last => _last;

    public static Pdu MakePdu(RoomId roomId, string type, UserId sender, object content, string? stateKey, long depth, IReadOnlyList<EventId> prevEvents, EventId eventId, EventId? redacts = null)
    {
        var json = new JsonObject
        {
            ["room_id"] = roomId.Value,
            ["type"] = type,
            ["sender"] = sender.Value,
            ["content"] = JsonSerializer.SerializeToNode(content),
            ["depth"] = depth,
            ["origin_server_ts"] = 1000 + depth,
            ["prev_events"] = new JsonArray([.. prevEvents.Select(p => (JsonNode?)p.Value)]),
        };
        if (stateKey is not null)
        {
            json["state_key"] = stateKey;
        }
        if (redacts is { } r)
        {
            json["redacts"] = r.Value;
        }
        byte[] bytes = Encoding.UTF8.GetBytes(json.ToJsonString());
        using var document = JsonDocument.Parse(bytes);
        return new Pdu
        {
            Json = bytes,
            RoomVersion = KnownRoomVersions.V10,
            EventId = eventId,
            RoomId = roomId,
            Sender = sender,
            Type = type,
            StateKey = stateKey,
            Content = document.RootElement.GetProperty("content").Clone(),
            OriginServerTs = 1000 + depth,
            Depth = depth,
            PrevEvents = prevEvents,
            Redacts = redacts,
        };
    }

    public Pdu Next(string type, UserId sender, object content, string? stateKey = null, EventId? redacts = null)
    {
        _counter++;
        var id = EventId.Parse($"${roomId.Value[1..roomId.Value.IndexOf(':', StringComparison.Ordinal)]}_{_counter}");
        return MakePdu(roomId, type, sender, content, stateKey, ++_depth, _last is { } l ? [l] : [], id, redacts);
    }

    public async Task<PersistEventResult> SendAsync(Pdu pdu, Func<PersistEventRequest, PersistEventRequest>? customise = null)
    {
        var request = new PersistEventRequest(pdu)
        {
            StateBefore = _stateAfterLast is { } g ? new StateInput.Existing(g) : StateInput.Empty,
        };
        if (customise is not null)
        {
            request = customise(request);
        }
        var result = await db.Events.PersistAsync(request);
        if (!result.Deduplicated && result.StateGroups is { } groups && !request.IsRejected && !request.IsSoftFailed)
        {
            _last = pdu.EventId;
            _stateAfterLast = groups.After;
        }
        return result;
    }

    public Task<PersistEventResult> SendAsync(string type, UserId sender, object content, string? stateKey = null) =>
        SendAsync(Next(type, sender, content, stateKey));

    public Task<PersistEventResult> MessageAsync(UserId sender, string body) =>
        SendAsync(EventTypes.Message, sender, new { msgtype = "m.text", body });

    public Task<PersistEventResult> MemberAsync(UserId user, string membership) =>
        SendAsync(EventTypes.Member, user, new { membership }, user.Value);

    /// <summary>Creates the room row and sends m.room.create, the creator's join and power levels.</summary>
    public async Task CreateAsync(UserId creator, bool isPublic = false)
    {
        await db.Rooms.CreateAsync(roomId, "10", creator, 1, isPublic);
        await SendAsync(EventTypes.Create, creator, new { room_version = "10" }, "");
        await MemberAsync(creator, "join");
        await SendAsync(EventTypes.PowerLevels, creator, new { users = new Dictionary<string, int> { [creator.Value] = 100 } }, "");
    }
}
