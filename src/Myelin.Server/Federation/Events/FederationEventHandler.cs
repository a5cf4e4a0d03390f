using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.StateResolution;
using Myelin.Server.Federation.Client;
using Myelin.Server.Rooms;
using Myelin.Storage;
using Myelin.Storage.Events;
using Myelin.Storage.State;

namespace Myelin.Server.Federation.Events;

/// <summary>
/// Receives PDUs from other servers: the checks of server-server "Checks performed on receipt of a PDU" 1–6, fetching
/// what is missing (auth events, prev events, the state at a prev event) from the sending server, and persistence as
/// accepted, soft-failed, rejected or outlier events. Everything for one room runs under the room's lock
/// (<see cref="RoomEventWriter.RunExclusiveAsync{T}"/>); accepted timeline events are published afterwards.
/// </summary>
public sealed partial class FederationEventHandler
{
    /// <summary>spec: server-server "GET /get_missing_events" limit: we ask for at most 10 events.</summary>
    private const int MissingEventsLimit = 10;

    /// <summary>Above this many unknown state events, one <c>/state</c> request instead of one <c>/event</c> each.</summary>
    private const int MaxSingleEventFetches = 10;

    private static readonly AuthRulesOptions AuthOptions = new() { VerifyThirdPartyInviteSignature = VerifyThirdPartyInviteSignature };

    private readonly RoomEvents _events;
    private readonly RoomEventWriter _writer;
    private readonly IncomingPduChecks _checks;
    private readonly FederationClient _client;
    private readonly TimeProvider _time;
    private readonly ILogger<FederationEventHandler> _logger;

    public FederationEventHandler(RoomEvents events, RoomEventWriter writer, IncomingPduChecks checks, FederationClient client,
        TimeProvider time, ILogger<FederationEventHandler> logger)
    {
        _events = events;
        _writer = writer;
        _checks = checks;
        _client = client;
        _time = time;
        _logger = logger;
    }

    private MyelinDatabase Database => _events.Database;

    /// <summary>
    /// Receives one PDU sent by <paramref name="origin"/> (from a transaction, a send_join, ...). The room must be
    /// known to this server and gives the room version. Idempotent: an event already stored is not processed again
    /// (the result carries the stored outcome and <see cref="ReceivedPduResult.AlreadyKnown"/>).
    /// </summary>
    public async Task<ReceivedPduResult> ReceivePduAsync(ServerName origin, JsonElement pdu, CancellationToken cancellationToken)
    {
        if (pdu.ValueKind != JsonValueKind.Object)
        {
            return ReceivedPduResult.Dropped(null, "The PDU is not a JSON object.");
        }
        // Room versions 1–2 carry the event ID; later ones derive it from the event, which needs the room version.
        EventId? claimedId = pdu.TryGetProperty("event_id", out var idProperty) && idProperty.ValueKind == JsonValueKind.String
            && EventId.TryParse(idProperty.GetString(), out var parsedId) ? parsedId : null;
        if (!pdu.TryGetProperty("room_id", out var roomProperty) || roomProperty.ValueKind != JsonValueKind.String
            || !RoomId.TryParse(roomProperty.GetString(), out var roomId))
        {
            return ReceivedPduResult.Dropped(claimedId, "The PDU has no valid room_id.");
        }
        // spec: "Checks performed on receipt of a PDU": the room version comes from the room, so it must be known.
        var version = await _events.GetRoomVersionAsync(roomId, cancellationToken);
        if (version is null)
        {
            return ReceivedPduResult.Dropped(claimedId, $"Room {roomId} is not known to this server.");
        }
        byte[] json = Encoding.UTF8.GetBytes(pdu.GetRawText());
        if (!PduParser.TryParse(json, version, out var parsed, out string? formatError))
        {
            // 1. Not a valid event for the room version: dropped.
            return ReceivedPduResult.Dropped(claimedId, $"Invalid event: {formatError}");
        }
        var session = new ReceiveSession(origin, roomId, version);
        var result = await _writer.RunExclusiveAsync(roomId, async token =>
        {
            if (await Database.Events.GetEventAsync(parsed.EventId, token) is { } stored && !IsPromotable(stored))
            {
                return Known(stored, parsed);
            }
            // 1–3. Format, signatures (else dropped), content hash (else redacted).
            var checkedPdu = await _checks.CheckAsync(json, version, token);
            if (checkedPdu.Pdu is null)
            {
                return ReceivedPduResult.Dropped(parsed.EventId, checkedPdu.Reason ?? "The event failed the signature checks.");
            }
            return await ProcessAsync(session, checkedPdu.Pdu, allowGetMissing: true, token);
        }, cancellationToken);
        foreach (var accepted in session.ToPublish)
        {
            await _writer.PublishPersistedAsync(accepted);
        }
        return result;
    }

    /// <summary>
    /// Receives history that <paramref name="origin"/> answered to our <c>/backfill</c> request: checks 1–5 for each
    /// event of the room, oldest first (missing auth events and the state at unknown prev events are fetched as for any
    /// PDU; <c>/get_missing_events</c> is not used, it walks towards the present). Accepted and rejected events are stored
    /// as backfilled history (<see cref="PersistEventRequest.IsBackfilled"/>); check 6 (soft failure against the
    /// current state) does not apply to history. Nothing is published: old events are neither pushed nor sent on.
    /// spec: server-server "Backfilling and retrieving missing events".
    /// </summary>
    public async Task<IReadOnlyList<ReceivedPduResult>> ReceiveBackfillAsync(ServerName origin, RoomId roomId, IReadOnlyList<JsonElement> pdus,
        CancellationToken cancellationToken)
    {
        var version = await _events.GetRoomVersionAsync(roomId, cancellationToken);
        if (version is null)
        {
            return [];
        }
        var session = new ReceiveSession(origin, roomId, version) { IsBackfill = true };
        return await _writer.RunExclusiveAsync(roomId, async token =>
        {
            var results = new List<ReceivedPduResult>();
            var checkedPdus = await CheckFetchedAsync(session, pdus, pdus.Count, token);
            foreach (var pdu in checkedPdus.OrderBy(e => e.Depth).ThenBy(e => e.OriginServerTs).ThenBy(e => e.EventId.Value, StringComparer.Ordinal))
            {
                results.Add(await ProcessAsync(session, pdu, allowGetMissing: false, token));
            }
            return results;
        }, cancellationToken);
    }

    /// <summary>
    /// The room and event IDs of a received PDU without processing it (null where they cannot be determined: the
    /// event ID of room versions 3+ needs the room's version, so the room must be known). For per-PDU results of
    /// PDUs refused before processing (e.g. by a server ACL).
    /// </summary>
    public async Task<(RoomId? RoomId, EventId? EventId)> IdentifyAsync(JsonElement pdu, CancellationToken cancellationToken)
    {
        if (pdu.ValueKind != JsonValueKind.Object || !pdu.TryGetProperty("room_id", out var roomProperty)
            || roomProperty.ValueKind != JsonValueKind.String || !RoomId.TryParse(roomProperty.GetString(), out var roomId))
        {
            return (null, null);
        }
        EventId? claimedId = pdu.TryGetProperty("event_id", out var idProperty) && idProperty.ValueKind == JsonValueKind.String
            && EventId.TryParse(idProperty.GetString(), out var parsedId) ? parsedId : null;
        var version = await _events.GetRoomVersionAsync(roomId, cancellationToken);
        if (version is null)
        {
            return (roomId, claimedId);
        }
        return PduParser.TryParse(Encoding.UTF8.GetBytes(pdu.GetRawText()), version, out var parsed, out _)
            ? (roomId, parsed.EventId)
            : (roomId, claimedId);
    }

    /// <summary>Checks 4–6 and persistence for an event that passed checks 1–3 (held under the room's lock).</summary>
    private async Task<ReceivedPduResult> ProcessAsync(ReceiveSession session, Pdu pdu, bool allowGetMissing, CancellationToken cancellationToken)
    {
        if (pdu.RoomId != session.RoomId)
        {
            return ReceivedPduResult.Dropped(pdu.EventId, "The event belongs to another room.");
        }
        var stored = await Database.Events.GetEventAsync(pdu.EventId, cancellationToken);
        // An event held as an outlier (the room state received when joining, an auth event fetched for another event)
        // that arrives again — by backfill, in a transaction, from get_missing_events — goes through checks 4–6 and
        // takes its place in the timeline (as Synapse "de-outliers" it).
        if (stored is not null && !IsPromotable(stored))
        {
            return Known(stored, pdu);
        }
        if (pdu.PrevEvents.Count == 0)
        {
            // The room's create event is known (the room is); backfill reaching it gives it its place in the timeline.
            if (session.IsBackfill && stored is not null && pdu.Type == EventTypes.Create && pdu.StateKey == "")
            {
                await PersistAsync(session, new PersistEventRequest(pdu) { StateBefore = StateInput.Empty, IsBackfilled = true });
                return new ReceivedPduResult(pdu.EventId, ReceivedPduOutcome.Accepted, null, pdu);
            }
            if (stored is not null)
            {
                // The create event we already hold (the room's root, never a timeline gap to fill).
                return Known(stored, pdu);
            }
            // Any other event without prev_events is bogus.
            return ReceivedPduResult.Dropped(pdu.EventId, "Only the room's create event has no prev_events, and this room has one.");
        }

        // The state before the event (fetching missing prev events first, so that an event that is both a prev and
        // an auth event arrives as a timeline event rather than an outlier).
        var stateBefore = await GetStateBeforeAsync(session, pdu, allowGetMissing, cancellationToken);

        // 4. Authorised by its own auth events, else rejected.
        var authEvents = await GetAuthEventsAsync(session, pdu, cancellationToken);
        if (authEvents is null)
        {
            return ReceivedPduResult.Dropped(pdu.EventId, "The event's auth events could not be obtained.");
        }
        var byAuthEvents = CheckAgainstAuthEvents(session, pdu, authEvents);
        if (byAuthEvents.IsRejected)
        {
            string reason = $"Not authorised by its auth events: {byAuthEvents.Message}";
            await PersistAsync(session, new PersistEventRequest(pdu)
            {
                // With the state before it known, a rejected event keeps its place in the DAG for the events that cite it.
                StateBefore = stateBefore?.Input,
                IsOutlier = stateBefore is null,
                RejectionReason = reason,
                IsBackfilled = session.IsBackfill,
            });
            return new ReceivedPduResult(pdu.EventId, ReceivedPduOutcome.Rejected, reason, pdu);
        }

        if (stateBefore is null)
        {
            return ReceivedPduResult.Dropped(pdu.EventId, "The state before the event could not be determined.");
        }

        // 5. Authorised by the state before the event, else rejected.
        var byStateBefore = await CheckAgainstStateAsync(session, pdu, await StateForAuthAsync(session, pdu, stateBefore, cancellationToken), cancellationToken);
        if (byStateBefore.IsRejected)
        {
            string reason = $"Not authorised by the state before the event: {byStateBefore.Message}";
            await PersistAsync(session, new PersistEventRequest(pdu) { StateBefore = stateBefore.Input, RejectionReason = reason, IsBackfilled = session.IsBackfill });
            return new ReceivedPduResult(pdu.EventId, ReceivedPduOutcome.Rejected, reason, pdu);
        }

        if (session.IsBackfill)
        {
            // History: check 6 is about the room as it is now, which old events do not change.
            await PersistAsync(session, new PersistEventRequest(pdu) { StateBefore = stateBefore.Input, IsBackfilled = true });
            return new ReceivedPduResult(pdu.EventId, ReceivedPduOutcome.Accepted, null, pdu);
        }

        // 6. Authorised by the room's current state, else soft-failed. The current state as this event sees it is the
        // resolution of the state at the forward extremities it does not cite and the state before it (as in Synapse):
        // an event that arrives with the state that admits its sender (say, a join we only learnt through /state_ids)
        // is judged with that state, not without it. When it cites every extremity, check 5 already answered.
        var extremities = await Database.Events.GetForwardExtremitiesAsync(session.RoomId, cancellationToken);
        var otherExtremities = extremities.Where(e => !pdu.PrevEvents.Contains(e)).ToList();
        if (otherExtremities.Count > 0)
        {
            var states = new List<IReadOnlyDictionary<StateKey, EventId>> { await FullStateAsync(stateBefore, cancellationToken) };
            foreach (var extremity in otherExtremities)
            {
                if (await Database.State.GetStateAfterEventAsync(extremity, cancellationToken) is { } state)
                {
                    states.Add(state);
                }
            }
            var current = await ResolveAsync(session, states, cancellationToken)
                ?? await Database.State.GetCurrentStateAsync(session.RoomId, cancellationToken);
            var byCurrentState = await CheckAgainstStateAsync(session, pdu, current, cancellationToken);
            if (byCurrentState.IsRejected)
            {
                LogSoftFailed(_logger, pdu.EventId.Value, byCurrentState.Message);
                await PersistAsync(session, new PersistEventRequest(pdu) { StateBefore = stateBefore.Input, IsSoftFailed = true });
                return new ReceivedPduResult(pdu.EventId, ReceivedPduOutcome.SoftFailed, null, pdu);
            }
        }

        var newCurrentState = await GetNewCurrentStateAsync(session, pdu, stateBefore, extremities, cancellationToken);
        await PersistAsync(session, new PersistEventRequest(pdu) { StateBefore = stateBefore.Input, NewCurrentState = newCurrentState });
        session.ToPublish.Add(pdu);
        return new ReceivedPduResult(pdu.EventId, ReceivedPduOutcome.Accepted, null, pdu);
    }

    private static bool IsPromotable(StoredEvent stored) => stored.IsOutlier && !stored.IsRejected;

    private static ReceivedPduResult Known(StoredEvent stored, Pdu pdu) =>
        stored.IsRejected
            ? new ReceivedPduResult(stored.EventId, ReceivedPduOutcome.Rejected, stored.RejectionReason ?? "The event was rejected.", pdu, AlreadyKnown: true)
            : new ReceivedPduResult(stored.EventId, stored.IsSoftFailed ? ReceivedPduOutcome.SoftFailed : ReceivedPduOutcome.Accepted, null, pdu, AlreadyKnown: true);

    // ---- Check 4: the event's own auth events -------------------------------------------------------------------

    /// <summary>The event's auth events (and, in room version 12, the create event), fetched if missing; null if unavailable.</summary>
    private async Task<List<Pdu>?> GetAuthEventsAsync(ReceiveSession session, Pdu pdu, CancellationToken cancellationToken)
    {
        var needed = AuthEventIdsOf(pdu);
        await LoadAsync(session, needed, cancellationToken);
        var missing = needed.Where(id => !session.Contains(id)).ToList();
        if (missing.Count > 0)
        {
            await FetchAuthEventsAsync(session, pdu.EventId, missing, cancellationToken);
            if (needed.Any(id => !session.Contains(id)))
            {
                return null;
            }
        }
        return [.. needed.Select(id => session.Find(id)!)];
    }

    /// <summary>The auth events an event is checked against: its auth_events, plus (v12) the create event named by the room ID.</summary>
    private static List<EventId> AuthEventIdsOf(Pdu pdu)
    {
        var ids = new List<EventId>(pdu.AuthEvents);
        if (pdu.RoomVersion.RoomIdIsCreateEventHash && !(pdu.Type == EventTypes.Create && pdu.StateKey == "")
            && EventId.TryParse("$" + pdu.RoomId.Value[1..], out var createId) && !ids.Contains(createId))
        {
            ids.Add(createId);
        }
        return ids;
    }

    private static AuthResult CheckAgainstAuthEvents(ReceiveSession session, Pdu pdu, List<Pdu> authEvents)
    {
        var listed = authEvents.Where(e => pdu.AuthEvents.Contains(e.EventId)).ToList();
        var listCheck = AuthRules.CheckAuthEvents(pdu, listed, session.IsRejected);
        if (listCheck.IsRejected)
        {
            return listCheck;
        }
        // spec: "Rejection": a rejected create event (v12: the one named by the room ID) rejects everything citing it.
        if (authEvents.FirstOrDefault(e => e.Type == EventTypes.Create && e.StateKey == "") is { } create && session.IsRejected(create.EventId))
        {
            return AuthResult.Reject(pdu.RoomVersion.Id, "3.3", $"the create event {create.EventId} was rejected");
        }
        var state = new Dictionary<StateKey, Pdu>();
        foreach (var auth in authEvents)
        {
            if (auth.StateTuple is { } key)
            {
                state[key] = auth;
            }
        }
        return AuthRules.Check(pdu, state, AuthOptions);
    }

    // ---- Checks 5 and 6: against a state ---------------------------------------------------------------------

    /// <summary>The state keys the auth rules read for <paramref name="pdu"/>.</summary>
    private static List<StateKey> AuthStateKeys(Pdu pdu)
    {
        var keys = AuthEventSelection.SelectKeys(pdu.RoomVersion, pdu.Type, pdu.StateKey, pdu.Sender, pdu.Content).ToList();
        // v12 selects no create event, but the auth rules read it from the state.
        var createKey = new StateKey(EventTypes.Create, "");
        if (!keys.Contains(createKey))
        {
            keys.Add(createKey);
        }
        return keys;
    }

    private async Task<AuthResult> CheckAgainstStateAsync(ReceiveSession session, Pdu pdu, IReadOnlyDictionary<StateKey, EventId> state, CancellationToken cancellationToken)
    {
        var keys = AuthStateKeys(pdu);
        var ids = keys.Where(state.ContainsKey).Select(k => state[k]).ToList();
        await LoadAsync(session, ids, cancellationToken);
        var selected = new Dictionary<StateKey, Pdu>();
        foreach (var key in keys)
        {
            if (state.TryGetValue(key, out var id) && session.Find(id) is { } found)
            {
                selected[key] = found;
            }
        }
        return AuthRules.Check(pdu, selected, AuthOptions);
    }

    // ---- Check 5: the state before the event -----------------------------------------------------------------

    /// <summary>
    /// The state before an event: a resolved or fetched map, or — the common case of one stored prev event — that
    /// event's state group, whose full map is only loaded when needed (resolution at forks): the auth checks read a
    /// handful of keys, which <see cref="StateForAuthAsync"/> loads alone.
    /// </summary>
    private sealed class StateBefore(StateInput input, IReadOnlyDictionary<StateKey, EventId>? state, EventId? prev = null, StateGroupId? group = null)
    {
        public StateInput Input { get; } = input;
        public IReadOnlyDictionary<StateKey, EventId>? State { get; set; } = state;
        public EventId? Prev { get; } = prev;
        public StateGroupId? Group { get; } = group;
    }

    /// <summary>
    /// spec: rooms/v3 "Handling redactions": from v3 on a redaction passes the auth rules whoever sends it, and takes
    /// effect only when its sender has the redact level in the state before it, or is on the same server as the
    /// redacted event's sender. A target we do not hold yet cannot be checked and is not redacted (conservative:
    /// v1–v2 redactions were already checked by the auth rules).
    /// </summary>
    private async Task<bool> RedactionAppliesAsync(ReceiveSession session, Pdu redaction, StateInput stateBefore)
    {
        if (session.Version.SpecialCaseRedactionAuth || redaction.Redacts is not { } target)
        {
            return true;
        }
        var original = await Database.Events.GetEventAsync(target, CancellationToken.None);
        if (original is not null && original.Sender.Server == redaction.Sender.Server)
        {
            return true;
        }
        var state = stateBefore switch
        {
            StateInput.Full full => full.State,
            StateInput.Existing existing => await Database.State.GetStateGroupAsync(existing.Group, CancellationToken.None),
            StateInput.Delta delta => await Database.State.GetStateGroupAsync(delta.Previous, CancellationToken.None),
            _ => new Dictionary<StateKey, EventId>(),
        };
        EventId? Lookup(StateKey key) =>
            stateBefore is StateInput.Delta d && d.Changes.TryGetValue(key, out var changed) ? changed
            : state.TryGetValue(key, out var id) ? id : null;
        var plId = Lookup(new StateKey(EventTypes.PowerLevels, ""));
        var createId = Lookup(new StateKey(EventTypes.Create, ""));
        var powerLevels = plId is { } pl ? await _events.GetPduAsync(pl) : null;
        var create = createId is { } cr ? await _events.GetPduAsync(cr) : null;
        var levels = PowerLevels.From(powerLevels, create, session.Version);
        return levels.GetUserLevel(redaction.Sender) >= levels.Redact;
    }

    private async Task<IReadOnlyDictionary<StateKey, EventId>> FullStateAsync(StateBefore stateBefore, CancellationToken cancellationToken) =>
        stateBefore.State ??= await Database.State.GetStateGroupAsync(stateBefore.Group!.Value, cancellationToken);

    /// <summary>The entries of the state before <paramref name="pdu"/> that its auth rules read.</summary>
    private async Task<IReadOnlyDictionary<StateKey, EventId>> StateForAuthAsync(ReceiveSession session, Pdu pdu, StateBefore stateBefore, CancellationToken cancellationToken)
    {
        if (stateBefore.State is not null || stateBefore.Prev is not { } prev)
        {
            return await FullStateAsync(stateBefore, cancellationToken);
        }
        // The state after the prev event: the state before it, plus the event itself if it is a state event that was
        // not rejected (spec: "Rejection") — as its stored state group says.
        var keys = AuthStateKeys(pdu);
        var before = await Database.State.GetStateBeforeEventsAsync([prev], keys, cancellationToken);
        var result = new Dictionary<StateKey, EventId>(before.GetValueOrDefault(prev) ?? new Dictionary<StateKey, EventId>());
        await LoadAsync(session, [prev], cancellationToken);
        if (session.Find(prev) is { StateTuple: { } key } && keys.Contains(key) && !session.IsRejected(prev))
        {
            result[key] = prev;
        }
        return result;
    }

    /// <summary>
    /// The state before <paramref name="pdu"/>: the state after each prev event, resolved when there are several.
    /// Missing prev events are fetched with <c>/get_missing_events</c> (when allowed) and processed oldest first;
    /// for prev events still unknown, the state at them is fetched with <c>/state_ids</c>. Null if it cannot be had.
    /// </summary>
    private async Task<StateBefore?> GetStateBeforeAsync(ReceiveSession session, Pdu pdu, bool allowGetMissing, CancellationToken cancellationToken)
    {
        var after = new Dictionary<EventId, (IReadOnlyDictionary<StateKey, EventId>? State, StateGroupId? Group)>();
        await AddStoredStatesAfterAsync(pdu.PrevEvents, after, cancellationToken);
        if (after.Count < pdu.PrevEvents.Count && allowGetMissing)
        {
            await FetchMissingEventsAsync(session, pdu, cancellationToken);
            await AddStoredStatesAfterAsync(pdu.PrevEvents.Where(id => !after.ContainsKey(id)).ToList(), after, cancellationToken);
        }
        foreach (var prev in pdu.PrevEvents)
        {
            if (after.ContainsKey(prev))
            {
                continue;
            }
            var fetched = await FetchStateAfterAsync(session, prev, cancellationToken);
            if (fetched is null)
            {
                LogStateUnavailable(_logger, pdu.EventId.Value, prev.Value, session.Origin.Value);
                return null;
            }
            after[prev] = (fetched, null);
        }
        if (after.Count == 1 && after.First() is { Value.Group: { } group } single)
        {
            return new StateBefore(new StateInput.Existing(group), null, single.Key, group);
        }
        var states = new List<IReadOnlyDictionary<StateKey, EventId>>(after.Count);
        foreach (var (state, stateGroup) in after.Values)
        {
            states.Add(state ?? await Database.State.GetStateGroupAsync(stateGroup!.Value, cancellationToken));
        }
        var resolved = await ResolveAsync(session, states, cancellationToken);
        return resolved is null ? null : new StateBefore(new StateInput.Full(resolved), resolved);
    }

    private async Task AddStoredStatesAfterAsync(IReadOnlyList<EventId> prevEvents,
        Dictionary<EventId, (IReadOnlyDictionary<StateKey, EventId>? State, StateGroupId? Group)> after, CancellationToken cancellationToken)
    {
        foreach (var prev in prevEvents)
        {
            // Null for unknown events and outliers (which have no place in the DAG and no state).
            if (!after.ContainsKey(prev) && await Database.State.GetEventStateGroupsAsync(prev, cancellationToken) is { } groups)
            {
                after[prev] = (null, groups.After);
            }
        }
    }

    /// <summary>
    /// spec: server-server "GET /get_missing_events": asks the origin for the events between our forward extremities
    /// and <paramref name="pdu"/>, and processes them oldest first (their own gaps are filled from /state_ids, not
    /// by asking again, so one received event costs at most one such request).
    /// </summary>
    private async Task FetchMissingEventsAsync(ReceiveSession session, Pdu pdu, CancellationToken cancellationToken)
    {
        if (!session.TryStartRequest())
        {
            return;
        }
        var extremities = await Database.Events.GetForwardExtremitiesAsync(session.RoomId, cancellationToken);
        var body = new JsonObject
        {
            ["earliest_events"] = new JsonArray([.. extremities.Select(e => (JsonNode)e.Value)]),
            ["latest_events"] = new JsonArray(pdu.EventId.Value),
            ["limit"] = MissingEventsLimit,
            ["min_depth"] = 0,
        };
        JsonElement response;
        try
        {
            response = await _client.PostAsync(session.Origin, $"/_matrix/federation/v1/get_missing_events/{Uri.EscapeDataString(session.RoomId.Value)}",
                JsonSerializer.SerializeToElement(body), cancellationToken);
        }
        catch (FederationRequestException e)
        {
            LogFetchFailed(_logger, "get_missing_events", session.Origin.Value, e.Message);
            return;
        }
        var events = await CheckFetchedAsync(session, ArrayProperty(response, "events"), MissingEventsLimit, cancellationToken);
        foreach (var missing in events.OrderBy(e => e.Depth).ThenBy(e => e.OriginServerTs).ThenBy(e => e.EventId.Value, StringComparer.Ordinal))
        {
            if (missing.EventId != pdu.EventId)
            {
                var result = await ProcessAsync(session, missing, allowGetMissing: false, cancellationToken);
                LogMissingEventProcessed(_logger, missing.EventId.Value, result.Outcome, result.Error);
            }
        }
    }

    /// <summary>
    /// The state after a prev event we do not have in the DAG: <c>/state_ids</c> at it (the state before it) plus
    /// the event itself when it is an accepted state event. The prev event, the state and its auth chain are stored
    /// as outliers. Null when the origin does not give us all of it.
    /// </summary>
    private async Task<IReadOnlyDictionary<StateKey, EventId>?> FetchStateAfterAsync(ReceiveSession session, EventId prev, CancellationToken cancellationToken)
    {
        if (!session.TryStartRequest())
        {
            return null;
        }
        string room = Uri.EscapeDataString(session.RoomId.Value);
        string at = Uri.EscapeDataString(prev.Value);
        JsonElement ids;
        try
        {
            ids = await _client.GetAsync(session.Origin, $"/_matrix/federation/v1/state_ids/{room}?event_id={at}", cancellationToken);
        }
        catch (FederationRequestException e)
        {
            LogFetchFailed(_logger, "state_ids", session.Origin.Value, e.Message);
            return null;
        }
        var stateIds = EventIdsProperty(ids, "pdu_ids");
        var authChainIds = EventIdsProperty(ids, "auth_chain_ids");
        if (stateIds is null || authChainIds is null)
        {
            return null;
        }
        var wanted = new HashSet<EventId>([prev, .. stateIds, .. authChainIds]);
        await LoadAsync(session, wanted, cancellationToken);
        var unknown = wanted.Where(id => !session.Contains(id)).ToList();
        if (!session.TryCountFetched(unknown.Count))
        {
            return null;
        }
        if (unknown.Count > MaxSingleEventFetches && session.TryStartRequest())
        {
            try
            {
                var state = await _client.GetAsync(session.Origin, $"/_matrix/federation/v1/state/{room}?event_id={at}", cancellationToken);
                var fetched = new List<JsonElement>([.. ArrayProperty(state, "pdus"), .. ArrayProperty(state, "auth_chain")]);
                var pdus = await CheckFetchedAsync(session, fetched, fetched.Count, cancellationToken);
                await PersistOutliersAsync(session, [.. pdus.Where(p => unknown.Contains(p.EventId))], cancellationToken);
            }
            catch (FederationRequestException e)
            {
                LogFetchFailed(_logger, "state", session.Origin.Value, e.Message);
            }
        }
        // The prev event itself (not in /state) and whatever is still missing, one by one.
        unknown = [.. wanted.Where(id => !session.Contains(id))];
        if (unknown.Count > 0)
        {
            await FetchEventsAsync(session, unknown, cancellationToken);
        }

        var result = new Dictionary<StateKey, EventId>();
        foreach (var id in stateIds)
        {
            if (session.Find(id) is not { StateTuple: { } key } stateEvent || stateEvent.RoomId != session.RoomId)
            {
                return null;
            }
            result[key] = id;
        }
        if (session.Find(prev) is not { } prevPdu)
        {
            return null;
        }
        // spec: "Rejection": the state after a rejected event is the state before it.
        if (prevPdu.StateTuple is { } prevKey && !session.IsRejected(prev))
        {
            result[prevKey] = prev;
        }
        return result;
    }

    // ---- Fetching auth events and single events --------------------------------------------------------------

    /// <summary>
    /// Fetches the missing auth events of <paramref name="eventId"/>: its auth chain from <c>/event_auth</c>, then
    /// any still missing one by one with <c>/event</c>. Each is checked and stored as an outlier.
    /// </summary>
    private async Task FetchAuthEventsAsync(ReceiveSession session, EventId eventId, List<EventId> missing, CancellationToken cancellationToken)
    {
        if (session.TryStartRequest())
        {
            try
            {
                var response = await _client.GetAsync(session.Origin,
                    $"/_matrix/federation/v1/event_auth/{Uri.EscapeDataString(session.RoomId.Value)}/{Uri.EscapeDataString(eventId.Value)}", cancellationToken);
                var chain = ArrayProperty(response, "auth_chain");
                var pdus = await CheckFetchedAsync(session, chain, ReceiveSession.MaxFetchedEvents, cancellationToken);
                await PersistOutliersAsync(session, pdus, cancellationToken);
            }
            catch (FederationRequestException e)
            {
                LogFetchFailed(_logger, "event_auth", session.Origin.Value, e.Message);
            }
        }
        var stillMissing = missing.Where(id => !session.Contains(id)).ToList();
        if (stillMissing.Count > 0)
        {
            await FetchEventsAsync(session, stillMissing, cancellationToken);
        }
    }

    /// <summary>
    /// Fetches events one by one with <c>/event/{eventId}</c>, and their missing auth events in turn (breadth first,
    /// within the session's budget), then checks them and stores them as outliers.
    /// </summary>
    private async Task FetchEventsAsync(ReceiveSession session, IEnumerable<EventId> ids, CancellationToken cancellationToken)
    {
        var queue = new Queue<EventId>(ids);
        var fetched = new Dictionary<EventId, Pdu>();
        while (queue.Count > 0 && session.HasFetchBudget)
        {
            var id = queue.Dequeue();
            if (fetched.ContainsKey(id) || session.Contains(id))
            {
                continue;
            }
            await LoadAsync(session, [id], cancellationToken);
            if (session.Contains(id) || !session.TryStartRequest() || !session.TryCountFetched(1))
            {
                continue;
            }
            JsonElement response;
            try
            {
                response = await _client.GetAsync(session.Origin, $"/_matrix/federation/v1/event/{Uri.EscapeDataString(id.Value)}", cancellationToken);
            }
            catch (FederationRequestException e)
            {
                LogFetchFailed(_logger, "event", session.Origin.Value, e.Message);
                continue;
            }
            // spec: "GET /event/{eventId}" answers a transaction with the one PDU.
            var pdus = await CheckFetchedAsync(session, ArrayProperty(response, "pdus"), 1, cancellationToken);
            if (pdus.Count == 1 && pdus[0].EventId == id)
            {
                fetched[id] = pdus[0];
                foreach (var authId in AuthEventIdsOf(pdus[0]))
                {
                    if (!session.Contains(authId) && !fetched.ContainsKey(authId))
                    {
                        queue.Enqueue(authId);
                    }
                }
            }
        }
        await PersistOutliersAsync(session, [.. fetched.Values], cancellationToken);
    }

    /// <summary>
    /// Checks 1–3 for fetched PDUs of this room (at most <paramref name="max"/>); drops what fails and what is not in
    /// the room. Events already stored are loaded instead.
    /// </summary>
    private async Task<List<Pdu>> CheckFetchedAsync(ReceiveSession session, IReadOnlyList<JsonElement> fetched, int max, CancellationToken cancellationToken)
    {
        var result = new List<Pdu>();
        var seen = new HashSet<EventId>();
        foreach (var element in fetched.Take(max))
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            byte[] json = Encoding.UTF8.GetBytes(element.GetRawText());
            if (!PduParser.TryParse(json, session.Version, out var parsed, out _) || parsed.RoomId != session.RoomId || !seen.Add(parsed.EventId))
            {
                continue;
            }
            await LoadAsync(session, [parsed.EventId], cancellationToken);
            if (session.Find(parsed.EventId) is { } known)
            {
                result.Add(known);
                continue;
            }
            var check = await _checks.CheckAsync(json, session.Version, cancellationToken);
            if (check.Pdu is { } checkedPdu)
            {
                result.Add(checkedPdu);
            }
            else
            {
                LogFetchedEventDropped(_logger, parsed.EventId.Value, check.Reason);
            }
        }
        return result;
    }

    /// <summary>
    /// Stores fetched events as outliers, each after its own auth events (check 4 against them; rejected ones are
    /// stored with the reason). Events whose auth events never become available are not stored.
    /// </summary>
    private async Task PersistOutliersAsync(ReceiveSession session, List<Pdu> pdus, CancellationToken cancellationToken)
    {
        var pending = pdus.Where(p => !session.Contains(p.EventId)).OrderBy(p => p.Depth).ToList();
        var ids = pending.Select(p => p.EventId).ToHashSet();
        // What the pending events cite that is neither pending nor loaded yet may be stored already.
        await LoadAsync(session, [.. pending.SelectMany(AuthEventIdsOf).Where(id => !ids.Contains(id))], cancellationToken);
        bool progress = true;
        while (pending.Count > 0 && progress)
        {
            progress = false;
            for (int i = 0; i < pending.Count; i++)
            {
                var pdu = pending[i];
                var authIds = AuthEventIdsOf(pdu);
                if (!authIds.All(session.Contains))
                {
                    continue;
                }
                pending.RemoveAt(i--);
                progress = true;
                string? rejection = null;
                // In a known room, a create event we do not have is not the room's: spec "Authorization rules" 1.
                if (pdu.Type == EventTypes.Create && pdu.StateKey == "")
                {
                    rejection = "Not the room's create event.";
                }
                else
                {
                    var auth = CheckAgainstAuthEvents(session, pdu, [.. authIds.Select(id => session.Find(id)!)]);
                    if (auth.IsRejected)
                    {
                        rejection = $"Not authorised by its auth events: {auth.Message}";
                    }
                }
                await PersistAsync(session, new PersistEventRequest(pdu) { IsOutlier = true, RejectionReason = rejection });
            }
        }
        foreach (var dropped in pending)
        {
            LogFetchedEventDropped(_logger, dropped.EventId.Value, "its auth events are not available");
        }
    }

    // ---- Loading, resolving, persisting --------------------------------------------------------------------------

    /// <summary>Loads stored events (with their rejection flags) into the session; unknown IDs are skipped.</summary>
    private async Task LoadAsync(ReceiveSession session, IReadOnlyCollection<EventId> ids, CancellationToken cancellationToken)
    {
        var missing = ids.Where(id => !session.Contains(id)).Distinct().ToList();
        if (missing.Count == 0)
        {
            return;
        }
        var stored = await Database.Events.GetEventsAsync(missing, cancellationToken);
        foreach (var (_, e) in stored)
        {
            if (e.RoomId == session.RoomId)
            {
                session.Add(await _events.ToPduAsync(e, cancellationToken), e.IsRejected);
            }
        }
    }

    /// <summary>Loads events and their auth chains (as far as they are stored).</summary>
    private async Task LoadAuthChainsAsync(ReceiveSession session, IEnumerable<EventId> ids, CancellationToken cancellationToken)
    {
        var frontier = ids.Where(id => !session.Contains(id)).ToHashSet();
        var tried = new HashSet<EventId>();
        var all = ids.ToList();
        // Events already loaded still need their auth events loaded.
        foreach (var id in all)
        {
            if (session.Find(id) is { } pdu)
            {
                frontier.UnionWith(pdu.AuthEvents.Where(a => !session.Contains(a)));
            }
        }
        while (frontier.Count > 0)
        {
            tried.UnionWith(frontier);
            await LoadAsync(session, frontier, cancellationToken);
            var next = new HashSet<EventId>();
            foreach (var id in frontier)
            {
                if (session.Find(id) is { } pdu)
                {
                    next.UnionWith(pdu.AuthEvents.Where(a => !session.Contains(a) && !tried.Contains(a)));
                }
            }
            frontier = next;
        }
    }

    /// <summary>Resolves several states with the room version's algorithm; null if events it needs are not stored.</summary>
    private async Task<IReadOnlyDictionary<StateKey, EventId>?> ResolveAsync(ReceiveSession session,
        IReadOnlyList<IReadOnlyDictionary<StateKey, EventId>> states, CancellationToken cancellationToken)
    {
        if (states.Count == 1 || states.Skip(1).All(s => SameState(s, states[0])))
        {
            return states[0];
        }
        await LoadAuthChainsAsync(session, states.SelectMany(s => s.Values).Distinct(), cancellationToken);
        // The resolution reads events synchronously; whatever it finds missing is loaded and it is run again.
        for (int attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                return StateResolver.Resolve(session.Version, states, session.Find, session.IsRejected, AuthOptions);
            }
            catch (StateResolutionException e) when (e.MissingEventId is { } missing && !session.Contains(missing))
            {
                await LoadAuthChainsAsync(session, [missing], cancellationToken);
                if (!session.Contains(missing))
                {
                    LogResolutionFailed(_logger, session.RoomId.Value, e.Message);
                    return null;
                }
            }
            catch (StateResolutionException e)
            {
                LogResolutionFailed(_logger, session.RoomId.Value, e.Message);
                return null;
            }
        }
        return null;
    }

    private static bool SameState(IReadOnlyDictionary<StateKey, EventId> a, IReadOnlyDictionary<StateKey, EventId> b) =>
        a.Count == b.Count && a.All(entry => b.TryGetValue(entry.Key, out var other) && other == entry.Value);

    /// <summary>
    /// The room's current state once <paramref name="pdu"/> is accepted: null (the state after the event) when it
    /// replaces every forward extremity, else the resolved state of the new extremities (the remaining ones and the event).
    /// </summary>
    private async Task<StateInput?> GetNewCurrentStateAsync(ReceiveSession session, Pdu pdu, StateBefore stateBefore,
        IReadOnlyList<EventId> extremities, CancellationToken cancellationToken)
    {
        var remaining = extremities.Where(e => !pdu.PrevEvents.Contains(e)).ToList();
        if (remaining.Count == 0)
        {
            return null;
        }
        var afterEvent = new Dictionary<StateKey, EventId>(await FullStateAsync(stateBefore, cancellationToken));
        if (pdu.StateTuple is { } key)
        {
            afterEvent[key] = pdu.EventId;
        }
        var states = new List<IReadOnlyDictionary<StateKey, EventId>> { afterEvent };
        foreach (var extremity in remaining)
        {
            if (await Database.State.GetStateAfterEventAsync(extremity, cancellationToken) is { } state)
            {
                states.Add(state);
            }
        }
        // Tried before persisting the event, so the event itself must be known to the resolution.
        session.Add(pdu, rejected: false);
        var resolved = await ResolveAsync(session, states, cancellationToken);
        return resolved is null ? null : new StateInput.Full(resolved);
    }

    private async Task PersistAsync(ReceiveSession session, PersistEventRequest request)
    {
        if (request.Event.Redacts is not null && !request.IsRejected && request.StateBefore is not null
            && !await RedactionAppliesAsync(session, request.Event, request.StateBefore))
        {
            request = request with { AppliesRedaction = false };
        }
        // Once committed, the event exists: a cancelled request must not abandon the bookkeeping half way.
        await Database.Events.PersistAsync(request with { ReceivedTs = _time.GetUtcNow().ToUnixTimeMilliseconds() }, CancellationToken.None);
        _events.Remember(request.Event);
        session.Add(request.Event, request.IsRejected);
    }

    // ---- JSON helpers ----------------------------------------------------------------------------------------------

    private static IReadOnlyList<JsonElement> ArrayProperty(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? [.. array.EnumerateArray()]
            : [];

    private static List<EventId>? EventIdsProperty(JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        var ids = new List<EventId>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !EventId.TryParse(item.GetString(), out var id))
            {
                return null;
            }
            ids.Add(id);
        }
        return ids;
    }

    /// <summary>spec: rooms/v1 auth rule 5.3.1.7: any signature in <c>signed</c> that verifies with the invite's public key.</summary>
    private static bool VerifyThirdPartyInviteSignature(JsonElement signed, string publicKey)
    {
        if (signed.ValueKind != JsonValueKind.Object || !signed.TryGetProperty("signatures", out var signatures) || signatures.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        foreach (var entity in signatures.EnumerateObject())
        {
            if (entity.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            foreach (var signature in entity.Value.EnumerateObject())
            {
                if (KeyId.TryParse(signature.Name, out var keyId) && keyId.Algorithm == KeyId.Ed25519
                    && VerifyKey.TryCreate(keyId, publicKey, out var key)
                    && JsonSigning.Verify(signed, entity.Name, [key]).IsValid)
                {
                    return true;
                }
            }
        }
        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Soft-failed event {EventId}: {Reason}")]
    private static partial void LogSoftFailed(ILogger logger, string eventId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not get the state at prev event {PrevEventId} of {EventId} from {Origin}")]
    private static partial void LogStateUnavailable(ILogger logger, string eventId, string prevEventId, string origin);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetching {What} from {Origin} failed: {Error}")]
    private static partial void LogFetchFailed(ILogger logger, string what, string origin, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped fetched event {EventId}: {Reason}")]
    private static partial void LogFetchedEventDropped(ILogger logger, string eventId, string? reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Missing event {EventId}: {Outcome} {Error}")]
    private static partial void LogMissingEventProcessed(ILogger logger, string eventId, ReceivedPduOutcome outcome, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "State resolution in {RoomId} failed: {Error}")]
    private static partial void LogResolutionFailed(ILogger logger, string roomId, string error);
}
