using System.Collections.Concurrent;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Storage;
using Myelin.Storage.Events;

namespace Myelin.Server.Rooms;

/// <summary>
/// Loads stored events as parsed <see cref="Pdu"/>s, with a bounded cache: parsing is the costly part of
/// reading an event, and the same few (current state, recent timeline) are read over and over.
/// </summary>
public sealed class RoomEvents
{
    private const int MaxCachedEvents = 50_000;
    private const int MaxCachedRooms = 100_000;

    private readonly MyelinDatabase _database;
    private readonly ConcurrentDictionary<EventId, Pdu> _pdus = new();
    private readonly ConcurrentDictionary<RoomId, RoomVersion> _versions = new();

    public RoomEvents(MyelinDatabase database) => _database = database;

    public MyelinDatabase Database => _database;

    /// <summary>The room's version, or null for a room this server does not know.</summary>
    public async ValueTask<RoomVersion?> GetRoomVersionAsync(RoomId roomId, CancellationToken cancellationToken = default)
    {
        if (_versions.TryGetValue(roomId, out var version))
        {
            return version;
        }
        var room = await _database.Rooms.GetAsync(roomId, cancellationToken);
        if (room is null || !KnownRoomVersions.TryGet(room.RoomVersion, out version))
        {
            return null;
        }
        if (_versions.Count >= MaxCachedRooms)
        {
            _versions.Clear();
        }
        _versions[roomId] = version;
        return version;
    }

    /// <summary>Parses a stored event (using the cache).</summary>
    public async ValueTask<Pdu> ToPduAsync(StoredEvent stored, CancellationToken cancellationToken = default)
    {
        if (_pdus.TryGetValue(stored.EventId, out var cached))
        {
            return cached;
        }
        var version = await GetRoomVersionAsync(stored.RoomId, cancellationToken)
            ?? throw new InvalidOperationException($"Event {stored.EventId} is in unknown room {stored.RoomId}.");
        var pdu = PduParser.Parse(stored.Json, version);
        Remember(pdu);
        return pdu;
    }

    public async ValueTask<Pdu?> GetPduAsync(EventId eventId, CancellationToken cancellationToken = default)
    {
        if (_pdus.TryGetValue(eventId, out var cached))
        {
            return cached;
        }
        var stored = await _database.Events.GetEventAsync(eventId, cancellationToken);
        return stored is null ? null : await ToPduAsync(stored, cancellationToken);
    }

    /// <summary>The events that exist among <paramref name="eventIds"/>.</summary>
    public async ValueTask<IReadOnlyDictionary<EventId, Pdu>> GetPdusAsync(IReadOnlyCollection<EventId> eventIds, CancellationToken cancellationToken = default)
    {
        var result = new Dictionary<EventId, Pdu>(eventIds.Count);
        List<EventId>? missing = null;
        foreach (var id in eventIds)
        {
            if (_pdus.TryGetValue(id, out var pdu))
            {
                result[id] = pdu;
            }
            else
            {
                (missing ??= []).Add(id);
            }
        }
        if (missing is not null)
        {
            var stored = await _database.Events.GetEventsAsync(missing, cancellationToken);
            foreach (var (id, e) in stored)
            {
                result[id] = await ToPduAsync(e, cancellationToken);
            }
        }
        return result;
    }

    /// <summary>Adds a just-created or just-received event to the cache.</summary>
    public void Remember(Pdu pdu)
    {
        if (_pdus.Count >= MaxCachedEvents)
        {
            // Crude but bounded; the hot set refills within a few requests.
            _pdus.Clear();
        }
        _pdus[pdu.EventId] = pdu;
    }

    public void RememberRoomVersion(RoomId roomId, RoomVersion version) => _versions[roomId] = version;
}
