using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Server.Federation.Events;

/// <summary>
/// The working set of one <see cref="FederationEventHandler.ReceivePduAsync"/> call: the room, the server to fetch
/// from, the events loaded so far (with their rejection flags, for the auth rules and state resolution), the accepted
/// timeline events to publish once the room's lock is released, and the budget that bounds what a remote server can
/// make us fetch.
/// </summary>
internal sealed class ReceiveSession(ServerName origin, RoomId roomId, RoomVersion version)
{
    /// <summary>Requests to the origin per received PDU (event_auth, event, get_missing_events, state_ids, state).</summary>
    public const int MaxRequests = 50;

    /// <summary>Events fetched from the origin per received PDU (auth chains, missing events, state).</summary>
    public const int MaxFetchedEvents = 5000;

    private readonly Dictionary<EventId, Pdu> _events = [];
    private readonly HashSet<EventId> _rejected = [];
    private int _requests;
    private int _fetched;

    public ServerName Origin { get; } = origin;
    public RoomId RoomId { get; } = roomId;
    public RoomVersion Version { get; } = version;

    /// <summary>
    /// Receiving history from <c>/backfill</c>: events are stored as backfilled history (no soft failure, no change of
    /// extremities or current state, nothing published) and outliers among them are promoted into the timeline.
    /// </summary>
    public bool IsBackfill { get; init; }

    /// <summary>Accepted timeline events, in the order they were persisted.</summary>
    public List<Pdu> ToPublish { get; } = [];

    public bool TryStartRequest() => ++_requests <= MaxRequests;

    /// <summary>Counts <paramref name="count"/> fetched events; false once the budget is spent.</summary>
    public bool TryCountFetched(int count)
    {
        _fetched += count;
        return _fetched <= MaxFetchedEvents;
    }

    public bool HasFetchBudget => _requests < MaxRequests && _fetched < MaxFetchedEvents;

    public void Add(Pdu pdu, bool rejected)
    {
        _events[pdu.EventId] = pdu;
        if (rejected)
        {
            _rejected.Add(pdu.EventId);
        }
    }

    public bool Contains(EventId id) => _events.ContainsKey(id);

    public Pdu? Find(EventId id) => _events.GetValueOrDefault(id);

    public bool IsRejected(EventId id) => _rejected.Contains(id);
}
