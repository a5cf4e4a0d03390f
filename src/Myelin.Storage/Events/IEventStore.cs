using Myelin.Protocol.Identifiers;
using Myelin.Storage.Streams;

namespace Myelin.Storage.Events;

/// <summary>
/// Room events: persisted as exact JSON bytes plus indexed columns, each with a global stream
/// position. Timeline reads leave out outliers, rejected and soft-failed events.
/// </summary>
public interface IEventStore
{
    /// <summary>
    /// Persists the event with its state groups, current-state and membership changes, forward
    /// extremities and transaction ID in ONE transaction: when the task completes, all of it is committed.
    /// </summary>
    Task<PersistEventResult> PersistAsync(PersistEventRequest request, CancellationToken cancellationToken = default);

    Task<StoredEvent?> GetEventAsync(EventId eventId, CancellationToken cancellationToken = default);

    /// <summary>The events that exist among <paramref name="eventIds"/>, keyed by ID.</summary>
    Task<IReadOnlyDictionary<EventId, StoredEvent>> GetEventsAsync(IReadOnlyCollection<EventId> eventIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// The transaction IDs with which <paramref name="device"/> sent any of <paramref name="eventIds"/>: served back
    /// to that device only, as <c>unsigned.transaction_id</c>. spec: client-server "Transaction identifiers".
    /// </summary>
    Task<IReadOnlyDictionary<EventId, string>> GetTransactionIdsAsync(IReadOnlyCollection<EventId> eventIds, UserId user, DeviceId device, CancellationToken cancellationToken = default);

    /// <summary>The event an earlier request with this transaction ID created, if any.</summary>
    Task<EventId?> GetEventIdForTransactionAsync(TransactionKey transaction, CancellationToken cancellationToken = default);

    /// <summary>
    /// Timeline events of a room with <paramref name="from"/> &lt; position ≤ <paramref name="to"/>,
    /// newest first, at most <paramref name="limit"/>; <c>Limited</c> when more exist (sync's <c>limited</c>).
    /// </summary>
    Task<EventChunk> GetRoomTimelineAsync(RoomId roomId, StreamPosition from, StreamPosition to, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>/messages</c>: timeline events strictly beyond <paramref name="from"/> in topological order,
    /// in <paramref name="direction"/>, stopping before <paramref name="to"/> if given.
    /// </summary>
    Task<EventChunk> PaginateAsync(RoomId roomId, TopologicalToken from, PaginationDirection direction, int limit, TopologicalToken? to = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Children of <paramref name="parent"/> (events whose <c>m.relates_to</c> points at it), optionally
    /// of one relation type and event type, newest first (or oldest first going forwards), from an
    /// exclusive stream position. spec: client-server "GET /relations".
    /// </summary>
    Task<EventChunk> GetRelationsAsync(EventId parent, string? relationType, string? eventType, int limit, PaginationDirection direction = PaginationDirection.Backwards, StreamPosition? from = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every timeline child of any of <paramref name="parents"/> whose relation type is one of <paramref name="relationTypes"/>,
    /// excluding redacted children (redaction breaks the relationship), oldest first: one query for a page's aggregations.
    /// spec: client-server "Aggregations of child events".
    /// </summary>
    Task<IReadOnlyList<StoredEvent>> GetRelatedEventsAsync(IReadOnlyCollection<EventId> parents, IReadOnlyCollection<string> relationTypes, CancellationToken cancellationToken = default);

    /// <summary>
    /// The room's thread roots (targets of <c>m.thread</c> relations) with the position of each thread's latest reply,
    /// most recently active first, only threads whose latest reply is before <paramref name="before"/> when given;
    /// with <paramref name="participant"/>, only threads that user started or replied in. spec: client-server "GET /threads".
    /// </summary>
    Task<IReadOnlyList<(EventId Root, StreamPosition Latest)>> GetThreadRootsAsync(RoomId roomId, int limit, StreamPosition? before = null, UserId? participant = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The timeline event closest to <paramref name="timestamp"/> (origin_server_ts): going forwards the first at or after it,
    /// backwards the last at or before it; null when there is none. spec: client-server "GET /timestamp_to_event".
    /// </summary>
    Task<StoredEvent?> GetEventByTimestampAsync(RoomId roomId, long timestamp, PaginationDirection direction, CancellationToken cancellationToken = default);

    /// <summary>Timeline events in any of <paramref name="roomIds"/> with <paramref name="since"/> &lt; position ≤ <paramref name="upTo"/>, oldest first.</summary>
    Task<EventChunk> GetEventsSinceAsync(IReadOnlyCollection<RoomId> roomIds, StreamPosition since, StreamPosition upTo, int limit, CancellationToken cancellationToken = default);

    /// <summary>The highest committed events-stream position.</summary>
    Task<StreamPosition> GetMaxStreamPositionAsync(CancellationToken cancellationToken = default);

    /// <summary>The room's forward extremities (the prev_events of the next event it sends).</summary>
    Task<IReadOnlyList<EventId>> GetForwardExtremitiesAsync(RoomId roomId, CancellationToken cancellationToken = default);
}
