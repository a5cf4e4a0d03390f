using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;

namespace Myelin.Protocol.StateResolution;

/// <summary>The events one resolution reads, fetched once each through the caller's delegate.</summary>
internal sealed class EventSource(Func<EventId, Pdu?> fetch, Func<EventId, bool>? isRejected)
{
    private readonly Dictionary<EventId, Pdu> _cache = [];

    public Pdu Get(EventId id)
    {
        if (_cache.TryGetValue(id, out var pdu))
        {
            return pdu;
        }
        pdu = fetch(id) ?? throw new StateResolutionException($"State resolution needs event {id}, which is not available.", id);
        _cache[id] = pdu;
        return pdu;
    }

    public bool IsRejected(EventId id) => isRejected?.Invoke(id) == true;

    /// <summary>The <c>m.room.power_levels</c> event among an event's auth events, if any.</summary>
    public Pdu? PowerLevelsAuthEvent(Pdu pdu)
    {
        foreach (var id in pdu.AuthEvents)
        {
            var auth = Get(id);
            if (auth.Type == EventTypes.PowerLevels && auth.StateKey == "")
            {
                return auth;
            }
        }
        return null;
    }

    /// <summary>The room's create event as seen from an event: among its auth events, or (v12) named by the room ID.</summary>
    public Pdu? CreateEventFor(Pdu pdu)
    {
        if (pdu.RoomVersion.RoomIdIsCreateEventHash)
        {
            return EventId.TryParse("$" + pdu.RoomId.Value[1..], out var createId) ? Get(createId) : null;
        }
        foreach (var id in pdu.AuthEvents)
        {
            var auth = Get(id);
            if (auth.Type == EventTypes.Create && auth.StateKey == "")
            {
                return auth;
            }
        }
        return null;
    }
}
