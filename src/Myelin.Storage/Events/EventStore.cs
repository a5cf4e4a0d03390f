using System.Data.Common;
using System.Text.Json;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;
using Myelin.Storage.Search;
using Myelin.Storage.State;
using Myelin.Storage.Streams;

namespace Myelin.Storage.Events;

internal sealed class EventStore(StorageEngine engine, StateGroups stateGroups) : IEventStore
{
    internal const string Columns =
        "e.json, e.event_id, e.room_id, e.type, e.state_key, e.sender, e.depth, e.origin_server_ts, e.stream_ordering, " +
        "e.is_outlier, e.is_rejected, e.rejection_reason, e.is_soft_failed, e.redacts, e.redacted_by, e.relates_to, e.rel_type";

    /// <summary>Events clients may see in a timeline. spec: server-server "Soft failure", "Rejection".</summary>
    private const string Visible = "e.is_outlier = @false AND e.is_rejected = @false AND e.is_soft_failed = @false";

    public Task<PersistEventResult> PersistAsync(PersistEventRequest request, CancellationToken cancellationToken = default)
    {
        var pdu = request.Event;
        if (!request.IsOutlier && request.StateBefore is null)
        {
            throw new ArgumentException("StateBefore is required for an event that is not an outlier.", nameof(request));
        }
        var (relatesTo, relType) = ReadRelation(pdu.Content);
        return engine.WriteAsync(async db =>
        {
            if (request.Transaction is { } txn)
            {
                var earlier = await db.QuerySingleAsync(
                    "SELECT e.event_id, e.stream_ordering FROM event_transactions t JOIN events e ON e.event_id = t.event_id " +
                    "WHERE t.user_id = @user_id AND t.device_id = @device_id AND t.txn_id = @txn_id",
                    r => new PersistEventResult(EventId.Parse(r.GetString(0)), new StreamPosition(r.GetInt64(1)), true, null),
                    ("user_id", txn.UserId.Value), ("device_id", txn.DeviceId.Value), ("txn_id", txn.TransactionId));
                if (earlier is not null)
                {
                    return earlier;
                }
            }
            bool backfilled = request.IsBackfilled && !request.IsOutlier;
            var existing = await db.QuerySingleAsync("SELECT stream_ordering, is_outlier FROM events WHERE event_id = @id",
                r => new ExistingEvent(r.GetInt64(0), r.GetFlag(1)), ("id", pdu.EventId.Value));
            // An event held as an outlier (fetched to authorise others, or the state received at a join) that now
            // arrives with its state, through backfill or as a new event, takes its place in the timeline.
            if (existing is { } found && !(found.IsOutlier && !request.IsOutlier))
            {
                return new PersistEventResult(pdu.EventId, new StreamPosition(found.Position), true, null);
            }
            if (existing is not null && backfilled)
            {
                var promoted = await NextBackfillPositionAsync(db);
                await db.ExecuteAsync(
                    "UPDATE events SET stream_ordering = @stream, is_outlier = @false, is_rejected = @rejected, rejection_reason = @reason WHERE event_id = @id",
                    ("stream", promoted.Value), ("false", false), ("rejected", request.IsRejected), ("reason", request.RejectionReason),
                    ("id", pdu.EventId.Value));
                return new PersistEventResult(pdu.EventId, promoted, false, await PersistStateAsync(db, request));
            }

            var position = backfilled ? await NextBackfillPositionAsync(db) : await StreamPositions.AdvanceAsync(db, StreamName.Events);
            EventId? redactedBy = await db.ScalarAsync(
                "SELECT event_id FROM events WHERE redacts = @id AND is_rejected = @false ORDER BY stream_ordering LIMIT 1",
                ("id", pdu.EventId.Value), ("false", false)) is string redaction ? EventId.Parse(redaction) : null;
            if (existing is not null)
            {
                // De-outliered forward: a new stream position (so /sync sees it now), the flags of this arrival.
                await db.ExecuteAsync(
                    "UPDATE events SET stream_ordering = @stream, is_outlier = @false, is_rejected = @rejected, rejection_reason = @reason, " +
                    "is_soft_failed = @soft_failed, redacts = @redacts, redacted_by = @redacted_by WHERE event_id = @id",
                    ("stream", position.Value), ("false", false), ("rejected", request.IsRejected), ("reason", request.RejectionReason),
                    ("soft_failed", request.IsSoftFailed), ("redacts", request.AppliesRedaction ? pdu.Redacts?.Value : null),
                    ("redacted_by", redactedBy?.Value), ("id", pdu.EventId.Value));
            }
            else
            {
                await db.ExecuteAsync(
                    "INSERT INTO events (stream_ordering, event_id, room_id, type, state_key, sender, depth, origin_server_ts, received_ts, json, " +
                    "is_outlier, is_rejected, rejection_reason, is_soft_failed, redacts, redacted_by, relates_to, rel_type) VALUES " +
                    "(@stream, @event_id, @room_id, @type, @state_key, @sender, @depth, @ts, @received, @json, " +
                    "@outlier, @rejected, @reason, @soft_failed, @redacts, @redacted_by, @relates_to, @rel_type)",
                    ("stream", position.Value), ("event_id", pdu.EventId.Value), ("room_id", pdu.RoomId.Value), ("type", pdu.Type),
                    ("state_key", pdu.StateKey), ("sender", pdu.Sender.Value), ("depth", pdu.Depth), ("ts", pdu.OriginServerTs),
                    ("received", request.ReceivedTs ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), ("json", pdu.Json.ToArray()),
                    ("outlier", request.IsOutlier), ("rejected", request.IsRejected), ("reason", request.RejectionReason),
                    ("soft_failed", request.IsSoftFailed), ("redacts", request.AppliesRedaction ? pdu.Redacts?.Value : null), ("redacted_by", redactedBy?.Value),
                    ("relates_to", relatesTo?.Value), ("rel_type", relType));
            }

            if (pdu.Redacts is { } target && !request.IsRejected && request.AppliesRedaction)
            {
                await db.ExecuteAsync(
                    "UPDATE events SET redacted_by = @by WHERE event_id = @target AND redacted_by IS NULL",
                    ("by", pdu.EventId.Value), ("target", target.Value));
                await SearchIndex.RemoveAsync(db, engine.Dialect.Kind, target);
            }
            if (request.Transaction is { } key)
            {
                await db.ExecuteAsync(
                    "INSERT INTO event_transactions (user_id, device_id, txn_id, event_id, room_id, created_ts) VALUES (@user_id, @device_id, @txn_id, @event_id, @room_id, @ts)",
                    ("user_id", key.UserId.Value), ("device_id", key.DeviceId.Value), ("txn_id", key.TransactionId),
                    ("event_id", pdu.EventId.Value), ("room_id", pdu.RoomId.Value), ("ts", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            }
            if (request.IsOutlier)
            {
                if (request.IsOutOfBandMembership && !request.IsRejected && pdu.Type == EventTypes.Member && UserId.TryParse(pdu.StateKey, out var member))
                {
                    await CurrentState.RecordMembershipAsync(db, pdu.RoomId, member, pdu.EventId, position);
                }
                return new PersistEventResult(pdu.EventId, position, false, null);
            }

            var groups = await PersistStateAsync(db, request);
            if (backfilled)
            {
                return new PersistEventResult(pdu.EventId, position, false, groups);
            }
            bool accepted = !request.IsRejected && !request.IsSoftFailed;
            if (accepted && request.UpdateForwardExtremities)
            {
                await UpdateForwardExtremitiesAsync(db, pdu);
            }
            if (accepted && redactedBy is null)
            {
                // Indexed in the event's own transaction: a search never misses a committed event.
                await SearchIndex.IndexAsync(db, engine.Dialect.Kind, pdu, position.Value);
            }
            if (accepted)
            {
                var newCurrent = request.NewCurrentState is { } resolved
                    ? await stateGroups.StoreAsync(db, pdu.RoomId, resolved)
                    : groups.After;
                await CurrentState.AdvanceAsync(db, pdu.RoomId, newCurrent, position);
            }
            return new PersistEventResult(pdu.EventId, position, false, groups);
        }, cancellationToken);
    }

    private sealed record ExistingEvent(long Position, bool IsOutlier);

    /// <summary>
    /// Positions for backfilled history count down from -1 (Synapse's negative stream orderings), from their own row
    /// of <c>stream_positions</c>, created on first use; the row update serializes concurrent backfills.
    /// </summary>
    private static async Task<StreamPosition> NextBackfillPositionAsync(DbSession db)
    {
        await db.ExecuteAsync("INSERT INTO stream_positions (stream, position) VALUES ('events_backfill', 0) ON CONFLICT (stream) DO NOTHING");
        long? position = await db.ScalarInt64Async("UPDATE stream_positions SET position = position - 1 WHERE stream = 'events_backfill' RETURNING position");
        return new StreamPosition(position ?? throw new InvalidOperationException("The events_backfill stream position is missing."));
    }

    private async Task<EventStateGroups> PersistStateAsync(DbSession db, PersistEventRequest request)
    {
        var pdu = request.Event;
        var before = await stateGroups.StoreAsync(db, pdu.RoomId, request.StateBefore!);
        // A rejected event never becomes state; a soft-failed one still does for events that cite it.
        var after = pdu.StateTuple is { } key && !request.IsRejected
            ? await stateGroups.CreateDeltaAsync(db, pdu.RoomId, before, new Dictionary<StateKey, EventId?> { [key] = pdu.EventId })
            : before;
        await db.ExecuteAsync(
            "INSERT INTO event_state_groups (event_id, state_group_before, state_group_after) VALUES (@id, @before, @after)",
            ("id", pdu.EventId.Value), ("before", before.Value), ("after", after.Value));
        return new EventStateGroups(before, after);
    }

    private static async Task UpdateForwardExtremitiesAsync(DbSession db, Pdu pdu)
    {
        foreach (var chunk in pdu.PrevEvents.Select(e => e.Value).Chunk(500))
        {
            var (inList, parameters) = DbSession.InList("p", chunk, p => p);
            await db.ExecuteAsync($"DELETE FROM event_forward_extremities WHERE room_id = @room_id AND event_id IN ({inList})",
                [.. parameters, ("room_id", pdu.RoomId.Value)]);
        }
        await db.ExecuteAsync(
            "INSERT INTO event_forward_extremities (room_id, event_id) VALUES (@room_id, @event_id) ON CONFLICT (room_id, event_id) DO NOTHING",
            ("room_id", pdu.RoomId.Value), ("event_id", pdu.EventId.Value));
    }

    public Task<StoredEvent?> GetEventAsync(EventId eventId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync($"SELECT {Columns} FROM events e WHERE e.event_id = @id", Read, ("id", eventId.Value)), cancellationToken);

    public Task<IReadOnlyDictionary<EventId, StoredEvent>> GetEventsAsync(IReadOnlyCollection<EventId> eventIds, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyDictionary<EventId, StoredEvent>>(async db =>
        {
            var result = new Dictionary<EventId, StoredEvent>();
            foreach (var chunk in eventIds.Select(e => e.Value).Distinct(StringComparer.Ordinal).Chunk(500))
            {
                var (inList, parameters) = DbSession.InList("id", chunk, id => id);
                foreach (var stored in await db.QueryAsync($"SELECT {Columns} FROM events e WHERE e.event_id IN ({inList})", Read, parameters))
                {
                    result[stored.EventId] = stored;
                }
            }
            return result;
        }, cancellationToken);

    public Task<IReadOnlyDictionary<EventId, string>> GetTransactionIdsAsync(IReadOnlyCollection<EventId> eventIds, UserId user, DeviceId device, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyDictionary<EventId, string>>(async db =>
        {
            var result = new Dictionary<EventId, string>();
            foreach (var chunk in eventIds.Select(e => e.Value).Distinct(StringComparer.Ordinal).Chunk(500))
            {
                var (inList, parameters) = DbSession.InList("id", chunk, id => id);
                // Look up by event ID only (its own index) and match the device here: with (user, device) in the
                // WHERE clause the planner may prefer the primary key and scan all of the user's transactions.
                var rows = await db.QueryAsync(
                    $"SELECT event_id, user_id, device_id, txn_id FROM event_transactions WHERE event_id IN ({inList})",
                    r => (EventId.Parse(r.GetString(0)), r.GetString(1), r.GetString(2), r.GetString(3)),
                    parameters);
                foreach (var (id, rowUser, rowDevice, txn) in rows)
                {
                    if (rowUser == user.Value && rowDevice == device.Value)
                    {
                        result[id] = txn;
                    }
                }
            }
            return result;
        }, cancellationToken);

    public Task<EventId?> GetEventIdForTransactionAsync(TransactionKey transaction, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(async db => await db.ScalarAsync(
            "SELECT event_id FROM event_transactions WHERE user_id = @user_id AND device_id = @device_id AND txn_id = @txn_id",
            ("user_id", transaction.UserId.Value), ("device_id", transaction.DeviceId.Value), ("txn_id", transaction.TransactionId))
            is string id ? EventId.Parse(id) : (EventId?)null, cancellationToken);

    public Task<EventChunk> GetRoomTimelineAsync(RoomId roomId, StreamPosition from, StreamPosition to, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return engine.ReadAsync(async db =>
        {
            var events = await db.QueryAsync(
                $"SELECT {Columns} FROM events e WHERE e.room_id = @room_id AND e.stream_ordering > @from AND e.stream_ordering <= @to AND {Visible} " +
                "ORDER BY e.stream_ordering DESC LIMIT @limit",
                Read, ("room_id", roomId.Value), ("from", from.Value), ("to", to.Value), ("false", false), ("limit", (long)limit + 1));
            return Trim(events, limit, next: null);
        }, cancellationToken);
    }

    public Task<EventChunk> PaginateAsync(RoomId roomId, TopologicalToken from, PaginationDirection direction, int limit, TopologicalToken? to = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        bool backwards = direction == PaginationDirection.Backwards;
        string beyond = backwards ? "<" : ">";
        string order = backwards ? "DESC" : "ASC";
        string bound = to is null ? "" : $" AND (e.depth, e.stream_ordering) {(backwards ? ">" : "<")} (@to_depth, @to_stream)";
        return engine.ReadAsync(async db =>
        {
            var events = await db.QueryAsync(
                $"SELECT {Columns} FROM events e WHERE e.room_id = @room_id AND (e.depth, e.stream_ordering) {beyond} (@depth, @stream){bound} AND {Visible} " +
                $"ORDER BY e.depth {order}, e.stream_ordering {order} LIMIT @limit",
                Read, ("room_id", roomId.Value), ("depth", from.Depth), ("stream", from.Stream),
                ("to_depth", to?.Depth ?? 0), ("to_stream", to?.Stream ?? 0), ("false", false), ("limit", (long)limit + 1));
            bool more = events.Count > limit;
            return Trim(events, limit, more ? events[limit - 1].TopologicalToken : null);
        }, cancellationToken);
    }

    public Task<EventChunk> GetRelationsAsync(EventId parent, string? relationType, string? eventType, int limit, PaginationDirection direction = PaginationDirection.Backwards, StreamPosition? from = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        bool backwards = direction == PaginationDirection.Backwards;
        string filter = (relationType is null ? "" : " AND e.rel_type = @rel_type") + (eventType is null ? "" : " AND e.type = @type")
            + (from is null ? "" : $" AND e.stream_ordering {(backwards ? "<" : ">")} @from");
        return engine.ReadAsync(async db =>
        {
            var events = await db.QueryAsync(
                $"SELECT {Columns} FROM events e WHERE e.relates_to = @parent{filter} AND {Visible} " +
                $"ORDER BY e.stream_ordering {(backwards ? "DESC" : "ASC")} LIMIT @limit",
                Read, ("parent", parent.Value), ("rel_type", relationType), ("type", eventType), ("from", from?.Value ?? 0),
                ("false", false), ("limit", (long)limit + 1));
            bool more = events.Count > limit;
            return Trim(events, limit, more ? events[limit - 1].TopologicalToken : null);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<StoredEvent>> GetRelatedEventsAsync(IReadOnlyCollection<EventId> parents, IReadOnlyCollection<string> relationTypes, CancellationToken cancellationToken = default)
    {
        var ids = parents.Select(p => p.Value).Distinct(StringComparer.Ordinal).ToList();
        var types = relationTypes.Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count == 0 || types.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<StoredEvent>>([]);
        }
        return engine.ReadAsync<IReadOnlyList<StoredEvent>>(async db =>
        {
            var (typeList, typeParameters) = DbSession.InList("rt", types, t => t);
            var all = new List<StoredEvent>();
            foreach (var chunk in ids.Chunk(500))
            {
                var (inList, parameters) = DbSession.InList("p", chunk, p => p);
                all.AddRange(await db.QueryAsync(
                    $"SELECT {Columns} FROM events e WHERE e.relates_to IN ({inList}) AND e.rel_type IN ({typeList}) AND e.redacted_by IS NULL AND {Visible} " +
                    "ORDER BY e.stream_ordering",
                    Read, [.. parameters, .. typeParameters, ("false", false)]));
            }
            all.Sort((a, b) => a.StreamPosition.CompareTo(b.StreamPosition));
            return all;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<(EventId Root, StreamPosition Latest)>> GetThreadRootsAsync(RoomId roomId, int limit, StreamPosition? before = null, UserId? participant = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        string participation = participant is null ? "" :
            " AND (EXISTS (SELECT 1 FROM events r WHERE r.event_id = e.relates_to AND r.sender = @user)" +
            " OR EXISTS (SELECT 1 FROM events p WHERE p.relates_to = e.relates_to AND p.rel_type = 'm.thread' AND p.sender = @user))";
        string beforeClause = before is null ? "" : " HAVING MAX(e.stream_ordering) < @before";
        return engine.ReadAsync<IReadOnlyList<(EventId, StreamPosition)>>(async db => await db.QueryAsync(
            "SELECT e.relates_to, MAX(e.stream_ordering) AS latest FROM events e " +
            $"WHERE e.room_id = @room_id AND e.rel_type = 'm.thread' AND e.redacted_by IS NULL AND {Visible}{participation} " +
            $"GROUP BY e.relates_to{beforeClause} ORDER BY latest DESC LIMIT @limit",
            r => (EventId.Parse(r.GetString(0)), new StreamPosition(r.GetInt64(1))),
            ("room_id", roomId.Value), ("user", participant?.Value), ("before", before?.Value ?? 0), ("false", false), ("limit", (long)limit)), cancellationToken);
    }

    public Task<StoredEvent?> GetEventByTimestampAsync(RoomId roomId, long timestamp, PaginationDirection direction, CancellationToken cancellationToken = default)
    {
        bool forwards = direction == PaginationDirection.Forwards;
        return engine.ReadAsync(db => db.QuerySingleAsync(
            $"SELECT {Columns} FROM events e WHERE e.room_id = @room_id AND e.origin_server_ts {(forwards ? ">=" : "<=")} @ts AND {Visible} " +
            $"ORDER BY e.origin_server_ts {(forwards ? "ASC" : "DESC")}, e.stream_ordering {(forwards ? "ASC" : "DESC")} LIMIT 1",
            Read, ("room_id", roomId.Value), ("ts", timestamp), ("false", false)), cancellationToken);
    }

    public Task<EventChunk> GetEventsSinceAsync(IReadOnlyCollection<RoomId> roomIds, StreamPosition since, StreamPosition upTo, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var rooms = roomIds.Select(r => r.Value).Distinct(StringComparer.Ordinal).ToList();
        if (rooms.Count == 0)
        {
            return Task.FromResult(new EventChunk([], false));
        }
        return engine.ReadAsync(async db =>
        {
            // Rooms in chunks (parameter limits); each chunk contributes its first limit+1, then merge.
            var all = new List<StoredEvent>();
            foreach (var chunk in rooms.Chunk(500))
            {
                var (inList, parameters) = DbSession.InList("r", chunk, r => r);
                all.AddRange(await db.QueryAsync(
                    $"SELECT {Columns} FROM events e WHERE e.room_id IN ({inList}) AND e.stream_ordering > @since AND e.stream_ordering <= @up_to AND {Visible} " +
                    "ORDER BY e.stream_ordering LIMIT @limit",
                    Read, [.. parameters, ("since", since.Value), ("up_to", upTo.Value), ("false", false), ("limit", (long)limit + 1)]));
            }
            all.Sort((a, b) => a.StreamPosition.CompareTo(b.StreamPosition));
            return Trim(all, limit, next: null);
        }, cancellationToken);
    }

    public Task<StreamPosition> GetMaxStreamPositionAsync(CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => StreamPositions.CurrentAsync(db, StreamName.Events), cancellationToken);

    public Task<IReadOnlyList<EventId>> GetForwardExtremitiesAsync(RoomId roomId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<EventId>>(async db => await db.QueryAsync(
            "SELECT event_id FROM event_forward_extremities WHERE room_id = @room_id ORDER BY event_id",
            r => EventId.Parse(r.GetString(0)), ("room_id", roomId.Value)), cancellationToken);

    private static EventChunk Trim(List<StoredEvent> events, int limit, TopologicalToken? next)
    {
        bool limited = events.Count > limit;
        if (limited)
        {
            events.RemoveRange(limit, events.Count - limit);
        }
        return new EventChunk(events, limited, next);
    }

    private static (EventId? RelatesTo, string? RelType) ReadRelation(JsonElement content)
    {
        // spec: client-server "Forming relationships between events": content."m.relates_to" {rel_type, event_id}.
        if (content.ValueKind == JsonValueKind.Object
            && content.TryGetProperty("m.relates_to", out var relation) && relation.ValueKind == JsonValueKind.Object
            && relation.TryGetProperty("event_id", out var parent) && parent.ValueKind == JsonValueKind.String
            && EventId.TryParse(parent.GetString(), out var parentId))
        {
            string? relType = relation.TryGetProperty("rel_type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;
            return (parentId, relType);
        }
        return (null, null);
    }

    internal static StoredEvent Read(DbDataReader r) => new()
    {
        Json = r.GetBytes(0),
        EventId = EventId.Parse(r.GetString(1)),
        RoomId = RoomId.Parse(r.GetString(2)),
        Type = r.GetString(3),
        StateKey = r.GetNullableString(4),
        Sender = UserId.Parse(r.GetString(5)),
        Depth = r.GetInt64(6),
        OriginServerTs = r.GetInt64(7),
        StreamPosition = new StreamPosition(r.GetInt64(8)),
        IsOutlier = r.GetFlag(9),
        IsRejected = r.GetFlag(10),
        RejectionReason = r.GetNullableString(11),
        IsSoftFailed = r.GetFlag(12),
        Redacts = r.IsDBNull(13) ? null : EventId.Parse(r.GetString(13)),
        RedactedBy = r.IsDBNull(14) ? null : EventId.Parse(r.GetString(14)),
        RelatesTo = r.IsDBNull(15) ? null : EventId.Parse(r.GetString(15)),
        RelationType = r.GetNullableString(16),
    };
}
