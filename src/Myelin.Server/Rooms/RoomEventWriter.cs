using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Server.Configuration;
using Myelin.Server.Http;
using Myelin.Server.Streams;
using Myelin.Storage.Events;
using Myelin.Storage.State;

namespace Myelin.Server.Rooms;

/// <summary>
/// Adds local events to rooms. One writer per room: a room's sends are serialized (auth → build →
/// persist → notify), so each new event extends the room's current forward extremities and is checked
/// against the state it will actually follow; different rooms proceed in parallel.
/// Every event is checked by the same auth rules federation uses (<see cref="AuthRules"/>).
/// </summary>
public sealed partial class RoomEventWriter
{
    /// <summary>spec: server-server "PDUs": at most 20 prev_events; we reference at most 10 extremities.</summary>
    private const int MaxPrevEvents = 10;

    private readonly RoomEvents _events;
    private readonly Notifier _notifier;
    private readonly SigningKey _signingKey;
    private readonly ServerName _serverName;
    private readonly TimeProvider _time;
    private readonly ILogger<RoomEventWriter> _logger;
    private readonly ConcurrentDictionary<RoomId, RoomLock> _locks = new();
    private readonly ConcurrentDictionary<RoomId, RoomHead> _heads = new();
    // Heads dropped after an exclusive action: their state is reused when the room's current state group is unchanged.
    private readonly ConcurrentDictionary<RoomId, RoomHead> _staleHeads = new();

    public RoomEventWriter(RoomEvents events, Notifier notifier, SigningKey signingKey, MyelinConfig config, TimeProvider time, ILogger<RoomEventWriter> logger)
    {
        _events = events;
        _notifier = notifier;
        _signingKey = signingKey;
        _serverName = config.ServerName;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Raised after an event is committed, in order per room: push counts, federation and appservices hook in here.
    /// Raised for local events and, through <see cref="PublishPersistedAsync"/>, for events received from other
    /// servers: check <c>pdu.Sender.Server</c> before federating an event onwards.
    /// </summary>
    public event Func<Pdu, CancellationToken, ValueTask>? EventPersisted;

    /// <summary>
    /// Creates a room from its <c>m.room.create</c> content and returns its ID. The caller sends the rest of
    /// the initial state with <see cref="SendAsync"/>. For room version 12 the ID is derived from the create event.
    /// </summary>
    public async Task<RoomId> CreateRoomAsync(RoomVersion version, UserId creator, JsonElement createContent, CancellationToken cancellationToken)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        // A v12 room ID is the create event's hash: the same sender and content in the same millisecond give the
        // same ID, so on a collision the timestamp moves on by a millisecond and the event is built again.
        for (int attempt = 0; ; attempt++)
        {
            RoomId? roomId = version.RoomIdIsCreateEventHash ? null : RoomId.Parse($"!{RandomId(18)}:{_serverName}");
            var pdu = Build(new PduTemplate
            {
                RoomVersion = version,
                RoomId = roomId,
                Sender = creator,
                Type = EventTypes.Create,
                StateKey = "",
                Content = createContent,
                Depth = 1,
                OriginServerTs = now + attempt,
            });
            var result = AuthRules.Check(pdu, static _ => null);
            if (result.IsRejected)
            {
                throw MatrixException.BadJson($"The room's create event is not valid: {result.Message}");
            }
            var roomLock = _locks.GetOrAdd(pdu.RoomId, static _ => new RoomLock());
            await roomLock.Semaphore.WaitAsync(cancellationToken);
            try
            {
                if (!await _events.Database.Rooms.CreateAsync(pdu.RoomId, version.Id, creator, now, cancellationToken: cancellationToken))
                {
                    if (attempt < 100)
                    {
                        continue;
                    }
                    throw MatrixException.Unknown("Could not allocate a room ID; try again.");
                }
                _events.RememberRoomVersion(pdu.RoomId, version);
                await PersistAsync(pdu, new RoomHead(null, new Dictionary<StateKey, Pdu>(), [], 0), null, cancellationToken);
            }
            finally
            {
                roomLock.Semaphore.Release();
            }
            await RaisePersistedAsync(pdu);
            return pdu.RoomId;
        }
    }

    /// <summary>
    /// Builds, authorises, signs and persists a local event. Throws <c>M_FORBIDDEN</c> naming the auth rule
    /// that failed, <c>M_NOT_FOUND</c> for an unknown room, <c>M_TOO_LARGE</c> for an event over 65,536 bytes.
    /// A repeated transaction ID returns the first send's event.
    /// </summary>
    public async Task<SentEvent> SendAsync(NewEvent request, CancellationToken cancellationToken)
    {
        var roomLock = _locks.GetOrAdd(request.RoomId, static _ => new RoomLock());
        await roomLock.Semaphore.WaitAsync(cancellationToken);
        (Pdu Pdu, SentEvent Result) sent;
        try
        {
            if (request.Transaction is { } txn &&
                await _events.Database.Events.GetEventIdForTransactionAsync(txn, cancellationToken) is { } existing)
            {
                var earlier = await _events.Database.Events.GetEventAsync(existing, cancellationToken);
                return new SentEvent(existing, earlier?.StreamPosition ?? default, Deduplicated: true);
            }

            var version = await _events.GetRoomVersionAsync(request.RoomId, cancellationToken)
                ?? throw MatrixException.NotFound("Unknown room.");
            var head = await GetHeadAsync(request.RoomId, cancellationToken);

            var authKeys = AuthEventSelection.SelectKeys(version, request.Type, request.StateKey, request.Sender, request.Content);
            var authEvents = new List<EventId>(authKeys.Count);
            foreach (var key in authKeys)
            {
                if (head.State.TryGetValue(key, out var authEvent))
                {
                    authEvents.Add(authEvent.EventId);
                }
            }
            long depth = head.MaxDepth + 1;
            var prevEvents = head.Extremities.Count > MaxPrevEvents ? head.Extremities.Take(MaxPrevEvents).ToArray() : head.Extremities;
            // v1–v2 cite prev and auth events with their reference hashes: load them before building.
            var referenced = version.EventIdInPdu ? await _events.GetPdusAsync([.. prevEvents, .. authEvents], cancellationToken) : null;
            var template = new PduTemplate
            {
                RoomVersion = version,
                RoomId = request.RoomId,
                Sender = request.Sender,
                Type = request.Type,
                StateKey = request.StateKey,
                Content = request.Content,
                PrevEvents = prevEvents,
                AuthEvents = authEvents,
                Depth = depth,
                OriginServerTs = request.Timestamp ?? _time.GetUtcNow().ToUnixTimeMilliseconds(),
                Redacts = version.RedactsInContent ? null : request.Redacts,
                // Lets clients be served prev_content without a state lookup (as Synapse records it).
                Unsigned = request.StateKey is not null && head.State.TryGetValue(new StateKey(request.Type, request.StateKey), out var replaced)
                    ? JsonElement.Parse($"{{\"replaces_state\":\"{replaced.EventId.Value}\"}}")
                    : null,
                ReferenceHashOf = referenced is null ? null : id => ReferenceHashOf(referenced, id),
            };
            var pdu = Build(template);

            // spec: client-server "Room events": local events are authorised against the room's current state,
            // with the same rules remote servers will apply to them.
            var auth = AuthRules.Check(pdu, key => head.State.GetValueOrDefault(key));
            if (auth.IsRejected)
            {
                throw MatrixException.Forbidden(auth.Message);
            }

            var position = await PersistAsync(pdu, head, request.Transaction, cancellationToken);
            sent = (pdu, new SentEvent(pdu.EventId, position, Deduplicated: false));
        }
        finally
        {
            roomLock.Semaphore.Release();
        }
        await RaisePersistedAsync(sent.Pdu);
        return sent.Result;
    }

    /// <summary>
    /// Runs <paramref name="action"/> holding the room's lock — the one local sends take — so that events received
    /// from other servers (inbound transactions, joins, backfill) and local sends to the room are serialized. The
    /// action persists events itself; the writer forgets its cached head of the room afterwards, so the next local
    /// send reloads state and forward extremities from the database. Call <see cref="PublishPersistedAsync"/> for
    /// each accepted timeline event after this returns (outside the lock).
    /// </summary>
    public async Task<T> RunExclusiveAsync<T>(RoomId roomId, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        var roomLock = _locks.GetOrAdd(roomId, static _ => new RoomLock());
        await roomLock.Semaphore.WaitAsync(cancellationToken);
        try
        {
            return await action(cancellationToken);
        }
        finally
        {
            if (_heads.TryRemove(roomId, out var dropped))
            {
                _staleHeads[roomId] = dropped;
            }
            roomLock.Semaphore.Release();
        }
    }

    /// <summary>
    /// Runs the <see cref="EventPersisted"/> listeners and wakes /sync for an event persisted inside
    /// <see cref="RunExclusiveAsync{T}"/> (an accepted, non-outlier event: soft-failed and rejected events are not
    /// published).
    /// </summary>
    public Task PublishPersistedAsync(Pdu pdu) => RaisePersistedAsync(pdu);

    /// <summary>The room's current state as parsed events (from the writer's view, so it includes every committed send).</summary>
    public async Task<IReadOnlyDictionary<StateKey, Pdu>> GetCurrentStateAsync(RoomId roomId, CancellationToken cancellationToken)
    {
        if (_heads.TryGetValue(roomId, out var head))
        {
            return head.State;
        }
        var roomLock = _locks.GetOrAdd(roomId, static _ => new RoomLock());
        await roomLock.Semaphore.WaitAsync(cancellationToken);
        try
        {
            return (await GetHeadAsync(roomId, cancellationToken)).State;
        }
        finally
        {
            roomLock.Semaphore.Release();
        }
    }

    private Pdu Build(PduTemplate template)
    {
        if (!PduBuilder.TryBuild(template, _serverName, _signingKey, out var pdu, out string? error))
        {
            // The builder refuses only what the client controls: content shape and size (spec: 65,536-byte PDUs).
            throw error.Contains("65", StringComparison.Ordinal) || error.Contains("large", StringComparison.OrdinalIgnoreCase)
                ? MatrixException.TooLarge($"Event too large: {error}")
                : MatrixException.BadJson(error);
        }
        return pdu;
    }

    private async Task<Myelin.Storage.Streams.StreamPosition> PersistAsync(Pdu pdu, RoomHead head, TransactionKey? transaction, CancellationToken cancellationToken)
    {
        var request = new PersistEventRequest(pdu)
        {
            StateBefore = head.StateGroup is { } group ? new StateInput.Existing(group) : StateInput.Empty,
            Transaction = transaction,
        };
        // Once the database has it, the event exists: don't let a client disconnect abandon the bookkeeping.
        var result = await _events.Database.Events.PersistAsync(request, CancellationToken.None);
        _events.Remember(pdu);

        var state = head.State;
        if (pdu.StateKey is not null)
        {
            var newState = new Dictionary<StateKey, Pdu>(head.State) { [pdu.StateTuple!.Value] = pdu };
            state = newState;
        }
        _heads[pdu.RoomId] = new RoomHead(result.StateGroups?.After ?? head.StateGroup, state, [pdu.EventId], Math.Max(head.MaxDepth, pdu.Depth));

        return result.StreamPosition;
    }

    /// <summary>
    /// Runs the <see cref="EventPersisted"/> listeners (push counts, federation, appservices), then wakes /sync, after the room's lock is
    /// released: the event is committed and the next send to the room need not wait for them. The send still awaits
    /// them, so what they record (e.g. unread counts) is in place when the client gets its 200.
    /// </summary>
    private async Task RaisePersistedAsync(Pdu pdu)
    {
        if (EventPersisted is { } handlers)
        {
            foreach (Func<Pdu, CancellationToken, ValueTask> handler in handlers.GetInvocationList())
            {
                try
                {
                    await handler(pdu, CancellationToken.None);
                }
#pragma warning disable CA1031 // a failing listener (push, federation) must not fail a committed send
                catch (Exception e)
#pragma warning restore CA1031
                {
                    LogListenerFailed(_logger, e, pdu.EventId.Value);
                }
            }
        }
        // Wake long-polls last, so what the listeners recorded (unread counts) is in the response they compute.
        _notifier.NotifyRoom(pdu.RoomId);
        if (pdu.Type == EventTypes.Member && UserId.TryParse(pdu.StateKey, out var target))
        {
            // Invites and kicks reach the target even though they are not (or no longer) in the room.
            _notifier.NotifyUser(target);
        }
    }

    private async Task<RoomHead> GetHeadAsync(RoomId roomId, CancellationToken cancellationToken)
    {
        if (_heads.TryGetValue(roomId, out var head))
        {
            return head;
        }
        var database = _events.Database;
        var group = await database.State.GetCurrentStateGroupAsync(roomId, cancellationToken);
        var extremities = await database.Events.GetForwardExtremitiesAsync(roomId, cancellationToken);
        IReadOnlyDictionary<StateKey, Pdu> state;
        IReadOnlyDictionary<EventId, Pdu> pdus;
        if (_staleHeads.TryRemove(roomId, out var stale) && group is not null && stale.StateGroup == group)
        {
            // State groups are immutable: the same current group is the same state. Events received from other
            // servers that change no state (messages) leave it as it was, and a big room's state is not loaded again
            // for each of them (a 30,000-member room took ~65 ms per inbound PDU to reload).
            state = stale.State;
            pdus = await _events.GetPdusAsync([.. extremities], cancellationToken);
        }
        else
        {
            var stateIds = await database.State.GetCurrentStateAsync(roomId, cancellationToken);
            pdus = await _events.GetPdusAsync([.. stateIds.Values, .. extremities], cancellationToken);
            var loaded = new Dictionary<StateKey, Pdu>(stateIds.Count);
            foreach (var (key, id) in stateIds)
            {
                if (pdus.TryGetValue(id, out var pdu))
                {
                    loaded[key] = pdu;
                }
            }
            state = loaded;
        }
        long maxDepth = extremities.Select(id => pdus.TryGetValue(id, out var p) ? p.Depth : 0).DefaultIfEmpty(0).Max();
        head = new RoomHead(group, state, extremities, maxDepth);
        _heads[roomId] = head;
        return head;
    }

    private static ReadOnlyMemory<byte> ReferenceHashOf(IReadOnlyDictionary<EventId, Pdu> referenced, EventId id) =>
        referenced.TryGetValue(id, out var pdu)
            ? EventHashing.ComputeReferenceHash(pdu.Root, pdu.RoomVersion)
            : throw new InvalidOperationException($"Referenced event {id} is not stored.");

    private static string RandomId(int length)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        return System.Security.Cryptography.RandomNumberGenerator.GetString(alphabet, length);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A listener failed after event {EventId} was persisted")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception, string eventId);

    /// <summary>What the writer knows of a room's tip: current state (group and events), forward extremities, max depth.</summary>
    private sealed record RoomHead(StateGroupId? StateGroup, IReadOnlyDictionary<StateKey, Pdu> State, IReadOnlyList<EventId> Extremities, long MaxDepth);

    private sealed class RoomLock
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);
    }
}
