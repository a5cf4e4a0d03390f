using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Client;
using Myelin.Server.Federation.Events;
using Myelin.Server.Federation.Keys;
using Myelin.Server.Http;
using Myelin.Server.Rooms;
using Myelin.Server.Streams;
using Myelin.Storage.Events;
using Myelin.Storage.State;

namespace Myelin.Server.Federation.Membership;

using Membership = Myelin.Protocol.Authorization.Membership;

/// <summary>
/// The joining side of the membership handshakes, for our users and rooms this server is not in: joining
/// (make_join → send_join, then the room's state verified and stored), rejecting an invite or withdrawing a knock
/// (make_leave → send_leave), knocking (make_knock → send_knock), and inviting a user of another server (/invite).
/// Partial-state ("faster") joins are not implemented: send_join is asked for the full state.
/// spec: server-server "Joining Rooms", "Knocking upon a room", "Inviting to a room", "Leaving Rooms (Rejecting Invites)".
/// </summary>
public sealed partial class RemoteMembership
{
    private readonly FederationClient _client;
    private readonly RoomEventWriter _writer;
    private readonly RoomEvents _events;
    private readonly IncomingPduChecks _checks;
    private readonly RemoteServerKeys _keys;
    private readonly ResidentMembership _resident;
    private readonly SigningKey _key;
    private readonly ServerName _serverName;
    private readonly Notifier _notifier;
    private readonly TimeProvider _time;
    private readonly ILogger<RemoteMembership> _logger;

    public RemoteMembership(FederationClient client, RoomEventWriter writer, RoomEvents events, IncomingPduChecks checks, RemoteServerKeys keys,
        ResidentMembership resident, SigningKey key, MyelinConfig config, Notifier notifier, TimeProvider time, ILogger<RemoteMembership> logger)
    {
        _client = client;
        _writer = writer;
        _events = events;
        _checks = checks;
        _keys = keys;
        _resident = resident;
        _key = key;
        _serverName = config.ServerName;
        _notifier = notifier;
        _time = time;
        _logger = logger;
    }

    /// <summary>Whether one of our users is joined to the room: then membership changes are ordinary local sends.</summary>
    public Task<bool> IsResidentAsync(RoomId roomId, CancellationToken cancellationToken) => _resident.IsResidentAsync(roomId, cancellationToken);

    /// <summary>
    /// Resolves another server's alias with <c>GET /query/directory</c>: the room and the servers that can help join it.
    /// 404 <c>M_NOT_FOUND</c> when the alias's server does not know it or cannot be reached.
    /// </summary>
    public async Task<(RoomId RoomId, IReadOnlyList<ServerName> Servers)> ResolveAliasAsync(RoomAlias alias, CancellationToken cancellationToken)
    {
        JsonElement response;
        try
        {
            response = await _client.GetAsync(alias.Server, $"/_matrix/federation/v1/query/directory?room_alias={Uri.EscapeDataString(alias.Value)}", cancellationToken);
        }
        catch (FederationRequestException e)
        {
            throw MatrixException.NotFound($"Room alias {alias} could not be resolved: {e.Message}");
        }
        if (!response.TryGetProperty("room_id", out var id) || id.ValueKind != JsonValueKind.String || !RoomId.TryParse(id.GetString(), out var roomId))
        {
            throw MatrixException.NotFound($"Room alias {alias} could not be resolved: {alias.Server} sent no room_id.");
        }
        var servers = new List<ServerName>();
        if (response.TryGetProperty("servers", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var server in list.EnumerateArray())
            {
                if (server.ValueKind == JsonValueKind.String && ServerName.TryParse(server.GetString(), out var name))
                {
                    servers.Add(name);
                }
            }
        }
        return (roomId, servers);
    }

    // ---- join ----

    /// <summary>
    /// Joins <paramref name="user"/> to a room this server is not in, through the first of <paramref name="servers"/>
    /// that can help: make_join (with every room version we support), fill in and sign the template, send_join v2, then
    /// check every returned state and auth chain event (format, signatures, hashes, auth rules against its auth events),
    /// store them, and persist our join on the returned state as the room's new current state.
    /// </summary>
    public async Task<EventId> JoinAsync(UserId user, RoomId roomId, IReadOnlyList<ServerName> servers, JsonObject extraContent, CancellationToken cancellationToken)
    {
        string versions = string.Join('&', KnownRoomVersions.All.Keys.Order(StringComparer.Ordinal).Select(v => "ver=" + Uri.EscapeDataString(v)));
        var (server, version, join, response) = await HandshakeAsync(user, roomId, servers, Membership.Join, $"/_matrix/federation/v1/make_join/{Escape(roomId)}/{Escape(user)}?{versions}",
            pdu => $"/_matrix/federation/v2/send_join/{Escape(roomId)}/{Uri.EscapeDataString(pdu.EventId.Value)}", extraContent, cancellationToken);
        try
        {
            await StoreJoinedRoomAsync(server, version, roomId, join, response, cancellationToken);
        }
        catch (InvalidSendJoinResponseException e)
        {
            LogBadSendJoin(_logger, server.Value, roomId.Value, e.Message);
            throw new MatrixException(MatrixErrorCodes.Unknown, $"{server} answered the join with an invalid room state: {e.Message}", 502);
        }
        return join.EventId;
    }

    private async Task StoreJoinedRoomAsync(ServerName server, RoomVersion version, RoomId roomId, Pdu join, JsonElement response, CancellationToken cancellationToken)
    {
        if (response.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidSendJoinResponseException("the answer is not an object");
        }
        // spec: joins-v2.yaml `event`: the resident's copy (with its signature for a restricted join) is the one that counts.
        if (response.TryGetProperty("event", out var signedEvent) && signedEvent.ValueKind == JsonValueKind.Object)
        {
            if (!PduParser.TryParse(JsonSerializer.SerializeToUtf8Bytes(signedEvent), version, out var returned, out _) || returned.EventId != join.EventId)
            {
                throw new InvalidSendJoinResponseException("`event` is not our join");
            }
            join = returned;
        }
        var joinCheck = await _checks.CheckAsync(join.Json, version, cancellationToken);
        if (joinCheck.Outcome != PduCheckOutcome.Accepted)
        {
            throw new InvalidSendJoinResponseException($"our join fails the signature check: {joinCheck.Reason}");
        }
        join = joinCheck.Pdu!;

        var stateIds = new HashSet<EventId>();
        var received = new Dictionary<EventId, Pdu>();
        foreach (string field in (string[])["auth_chain", "state"])
        {
            if (!response.TryGetProperty(field, out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidSendJoinResponseException($"`{field}` is missing");
            }
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }
                // spec: "Checks performed on receipt of a PDU" 1–3; events failing them are dropped.
                var check = await _checks.CheckAsync(JsonSerializer.SerializeToUtf8Bytes(item), version, cancellationToken);
                if (check.Pdu is not { } pdu || pdu.RoomId != roomId)
                {
                    LogDroppedStateEvent(_logger, server.Value, roomId.Value, check.Reason ?? "it belongs to another room");
                    continue;
                }
                received.TryAdd(pdu.EventId, pdu);
                if (field == "state")
                {
                    stateIds.Add(pdu.EventId);
                }
            }
        }

        var rejections = AuthoriseAll(received);
        var state = new Dictionary<StateKey, Pdu>();
        foreach (var id in stateIds)
        {
            var pdu = received[id];
            if (pdu.StateTuple is { } key && !rejections.ContainsKey(id))
            {
                state[key] = pdu;
            }
        }
        if (!state.TryGetValue(new StateKey(EventTypes.Create, ""), out var create))
        {
            throw new InvalidSendJoinResponseException("the state has no valid m.room.create event");
        }
        string createVersion = MembershipEvents.ContentString(create, "room_version") ?? "1";
        if (createVersion != version.Id || version.RoomIdIsCreateEventHash && !AuthRules.RoomIdIsCreateEventId(roomId, create.EventId))
        {
            throw new InvalidSendJoinResponseException("the m.room.create event does not match the room");
        }
        // Our join must be allowed by its auth events and by the state it follows.
        var joinAuth = AuthStateOf(join, received, create);
        foreach (var result in (AuthResult[])[AuthRules.Check(join, joinAuth), AuthRules.Check(join, state)])
        {
            if (result.IsRejected)
            {
                throw MatrixException.Forbidden($"The join is not allowed by the room's state: {result.Message}");
            }
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        await _writer.RunExclusiveAsync(roomId, async ct =>
        {
            var database = _events.Database;
            await database.Rooms.CreateAsync(roomId, version.Id, create.Sender, now, cancellationToken: CancellationToken.None);
            _events.RememberRoomVersion(roomId, version);
            // The auth chain and the state are outliers: we hold them without their place in the room's history.
            foreach (var pdu in received.Values.OrderBy(p => p.Depth).ThenBy(p => p.EventId.Value, StringComparer.Ordinal))
            {
                await database.Events.PersistAsync(new PersistEventRequest(pdu)
                {
                    IsOutlier = true,
                    RejectionReason = rejections.GetValueOrDefault(pdu.EventId),
                    ReceivedTs = now,
                }, CancellationToken.None);
                _events.Remember(pdu);
            }
            var stateBefore = state.ToDictionary(kv => kv.Key, kv => kv.Value.EventId);
            await database.Events.PersistAsync(new PersistEventRequest(join) { StateBefore = new StateInput.Full(stateBefore), ReceivedTs = now }, CancellationToken.None);
            _events.Remember(join);
            return true;
        }, cancellationToken);
        await _writer.PublishPersistedAsync(join);
    }

    /// <summary>
    /// Runs the auth rules on every received event against its own auth events (spec: "Checks performed on receipt of
    /// a PDU" 4), auth events first. Returns the rejected events with the reason; an event whose auth events are missing
    /// or rejected is rejected too.
    /// </summary>
    private static Dictionary<EventId, string> AuthoriseAll(IReadOnlyDictionary<EventId, Pdu> received)
    {
        var rejections = new Dictionary<EventId, string>();
        var done = new HashSet<EventId>();
        var create = received.Values.FirstOrDefault(p => p.Type == EventTypes.Create && p.StateKey == "");
        // Auth events always have a lower depth than the events citing them; process in depth order.
        foreach (var pdu in received.Values.OrderBy(p => p.Depth).ThenBy(p => p.EventId.Value, StringComparer.Ordinal))
        {
            done.Add(pdu.EventId);
            var authEvents = new List<Pdu>();
            string? problem = null;
            foreach (var id in pdu.AuthEvents)
            {
                if (!received.TryGetValue(id, out var authEvent) || !done.Contains(id))
                {
                    problem = $"auth event {id} is missing";
                    break;
                }
                authEvents.Add(authEvent);
            }
            if (problem is null)
            {
                var listCheck = AuthRules.CheckAuthEvents(pdu, authEvents, rejections.ContainsKey);
                var rulesCheck = listCheck.IsRejected ? listCheck : AuthRules.Check(pdu, AuthStateOf(pdu, received, create));
                problem = rulesCheck.IsRejected ? rulesCheck.Message : null;
            }
            if (problem is not null)
            {
                rejections[pdu.EventId] = problem;
            }
        }
        return rejections;
    }

    /// <summary>The event's auth events as a state map; in room version 12 with the create event added (it is never cited).</summary>
    private static Dictionary<StateKey, Pdu> AuthStateOf(Pdu pdu, IReadOnlyDictionary<EventId, Pdu> known, Pdu? create)
    {
        var map = new Dictionary<StateKey, Pdu>();
        foreach (var id in pdu.AuthEvents)
        {
            if (known.TryGetValue(id, out var authEvent) && authEvent.StateTuple is { } key)
            {
                map[key] = authEvent;
            }
        }
        if (pdu.RoomVersion.RoomIdIsCreateEventHash && create is not null)
        {
            map[new StateKey(EventTypes.Create, "")] = create;
        }
        return map;
    }

    // ---- leave (reject an invite, withdraw a knock) and knock ----

    /// <summary>
    /// Rejects a remote invite or withdraws a knock through make_leave / send_leave v2 (the room's other servers learn of
    /// it from the resident); our leave is stored as the user's membership out of band.
    /// </summary>
    public async Task<EventId> LeaveAsync(UserId user, RoomId roomId, IReadOnlyList<ServerName> servers, JsonObject extraContent, CancellationToken cancellationToken)
    {
        var (_, version, leave, _) = await HandshakeAsync(user, roomId, servers, Membership.Leave, $"/_matrix/federation/v1/make_leave/{Escape(roomId)}/{Escape(user)}",
            pdu => $"/_matrix/federation/v2/send_leave/{Escape(roomId)}/{Uri.EscapeDataString(pdu.EventId.Value)}", extraContent, cancellationToken);
        await StoreOutOfBandAsync(roomId, version, leave, cancellationToken);
        return leave.EventId;
    }

    /// <summary>Knocks through make_knock / send_knock; the knock is stored out of band with the room's stripped state.</summary>
    public async Task<EventId> KnockAsync(UserId user, RoomId roomId, IReadOnlyList<ServerName> servers, JsonObject extraContent, CancellationToken cancellationToken)
    {
        string versions = string.Join('&', KnownRoomVersions.All.Values.Where(v => v.AllowKnocking).Select(v => v.Id).Order(StringComparer.Ordinal).Select(v => "ver=" + v));
        var (_, version, knock, response) = await HandshakeAsync(user, roomId, servers, Membership.Knock, $"/_matrix/federation/v1/make_knock/{Escape(roomId)}/{Escape(user)}?{versions}",
            pdu => $"/_matrix/federation/v1/send_knock/{Escape(roomId)}/{Uri.EscapeDataString(pdu.EventId.Value)}", extraContent, cancellationToken);
        // spec: knocks.yaml knock_room_state, "Translated as stripped state events over the Client-Server API".
        var stripped = new JsonArray();
        if (response.ValueKind == JsonValueKind.Object && response.TryGetProperty("knock_room_state", out var state) && state.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in state.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object)
                {
                    stripped.Add(MembershipEvents.Stripped(item));
                }
            }
        }
        await StoreOutOfBandAsync(roomId, version, MembershipEvents.WithUnsigned(knock, "knock_room_state", stripped), cancellationToken);
        return knock.EventId;
    }

    private async Task StoreOutOfBandAsync(RoomId roomId, RoomVersion version, Pdu pdu, CancellationToken cancellationToken)
    {
        await _writer.RunExclusiveAsync(roomId, async ct =>
        {
            var database = _events.Database;
            await database.Rooms.CreateAsync(roomId, version.Id, null, _time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken: CancellationToken.None);
            _events.RememberRoomVersion(roomId, version);
            await database.Events.PersistAsync(new PersistEventRequest(pdu) { IsOutlier = true, IsOutOfBandMembership = true }, CancellationToken.None);
            _events.Remember(pdu);
            return true;
        }, cancellationToken);
        _notifier.NotifyUser(pdu.Sender);
    }

    // ---- the handshake ----

    /// <summary>
    /// make_* on each candidate in turn until one answers with a valid template, then send_* to the same server.
    /// A refusal (403, an incompatible room version, a bad request) is passed to the client; an unreachable server, a
    /// 5xx, a 404 (the server is not in the room) or <c>M_UNABLE_TO_*_JOIN</c> moves on to the next candidate.
    /// </summary>
    private async Task<(ServerName Server, RoomVersion Version, Pdu Event, JsonElement Response)> HandshakeAsync(UserId user, RoomId roomId,
        IReadOnlyList<ServerName> servers, string membership, string makePath, Func<Pdu, string> sendPath, JsonObject extraContent,
        CancellationToken cancellationToken)
    {
        var candidates = servers.Where(s => s != _serverName).Distinct().ToList();
        if (candidates.Count == 0)
        {
            throw MatrixException.NotFound($"No server is known that could help {user} {membership} {roomId}.");
        }
        FederationRequestException? lastError = null;
        string? lastProblem = null;
        foreach (var server in candidates)
        {
            try
            {
                var made = await _client.GetAsync(server, makePath, cancellationToken);
                string? versionId = made.TryGetProperty("room_version", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : "1";
                if (!KnownRoomVersions.TryGet(versionId, out var version))
                {
                    lastProblem = $"{server} offered unsupported room version '{versionId}'";
                    continue;
                }
                var template = made.TryGetProperty("event", out var e) ? e : default;
                var signed = MembershipEvents.SignTemplate(template, version, roomId, user, membership, extraContent, _serverName, _key,
                    _time.GetUtcNow().ToUnixTimeMilliseconds(), out string? problem);
                if (signed is null)
                {
                    // spec: joins-v1.yaml "the response MUST be treated as malformed and discarded".
                    lastProblem = $"{server}: {problem}";
                    continue;
                }
                // send_join answers with the room's whole state: larger and slower than other requests.
                var response = membership == Membership.Join
                    ? await _client.PutLargeAsync(server, sendPath(signed), signed.Root, cancellationToken)
                    : await _client.PutAsync(server, sendPath(signed), signed.Root, cancellationToken);
                return (server, version, signed, response);
            }
            catch (FederationRequestException e) when (IsWorthRetrying(e))
            {
                LogCandidateFailed(_logger, server.Value, membership, roomId.Value, e.Message);
                lastError = e;
            }
            catch (FederationRequestException e)
            {
                // The resident server refused: the client should see why (spec: joins-v1.yaml "passed through to clients").
                throw new MatrixException(e.Errcode ?? MatrixErrorCodes.Unknown, e.Message, e.StatusCode is >= 400 ? e.StatusCode.Value : 502);
            }
        }
        throw new MatrixException(MatrixErrorCodes.Unknown,
            $"Could not {membership} {roomId} through {string.Join(", ", candidates)}: {lastError?.Message ?? lastProblem}", 502);
    }

    // A success status with an answer we could not use (too large, not JSON) is the server's problem, not a refusal.
    private static bool IsWorthRetrying(FederationRequestException e) =>
        e.StatusCode is null or < 400 or >= 500 or 404 or 429
        || e.Errcode is MatrixErrorCodes.UnableToAuthoriseJoin or MatrixErrorCodes.UnableToGrantJoin;

    // ---- invite ----

    /// <summary>
    /// Invites a user of another server to a room we are in: builds and authorises the invite, has the invitee's server
    /// countersign it (<c>PUT /_matrix/federation/v2/invite</c> with the room's stripped state), checks that signature
    /// and persists the countersigned event. The writer's listeners then send it to the room's servers.
    /// </summary>
    public async Task<EventId> InviteAsync(UserId sender, RoomId roomId, UserId target, JsonObject content, CancellationToken cancellationToken)
    {
        var version = await _events.GetRoomVersionAsync(roomId, cancellationToken) ?? throw MatrixException.NotFound("Unknown room.");
        var state = await _writer.GetCurrentStateAsync(roomId, cancellationToken);
        content["membership"] = Membership.Invite;
        var invite = await MembershipEvents.DraftAsync(_events, _serverName, _key, version, roomId, state, sender, target, content,
            _time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        var auth = AuthRules.Check(invite, key => state.GetValueOrDefault(key));
        if (auth.IsRejected)
        {
            throw MatrixException.Forbidden(auth.Message);
        }
        var body = new JsonObject
        {
            ["room_version"] = version.Id,
            ["event"] = MembershipEvents.ToJson(invite),
            ["invite_room_state"] = new JsonArray([.. MembershipEvents.SelectStrippedState(state, sender).Select(MembershipEvents.ToJson)]),
        };
        JsonElement response;
        try
        {
            response = await _client.PutAsync(target.Server, $"/_matrix/federation/v2/invite/{Escape(roomId)}/{Uri.EscapeDataString(invite.EventId.Value)}",
                JsonSerializer.SerializeToElement(body), cancellationToken);
        }
        catch (FederationRequestException e) when (e.StatusCode is >= 400 and < 500)
        {
            throw new MatrixException(e.Errcode ?? MatrixErrorCodes.Forbidden, $"{target.Server} refused the invite: {e.Message}", 403);
        }
        catch (FederationRequestException e)
        {
            throw new MatrixException(MatrixErrorCodes.Unknown, $"Could not deliver the invite to {target.Server}: {e.Message}", 502);
        }
        var signed = await VerifyCountersignedAsync(invite, target.Server, response, cancellationToken)
            ?? throw new MatrixException(MatrixErrorCodes.Unknown, $"{target.Server} answered the invite without a valid signature.", 502);

        await _writer.RunExclusiveAsync(roomId, async ct =>
        {
            var database = _events.Database;
            var currentIds = await database.State.GetCurrentStateAsync(roomId, ct);
            var group = await database.State.GetCurrentStateGroupAsync(roomId, ct) ?? throw MatrixException.NotFound("Unknown room.");
            var pdus = await _events.GetPdusAsync([.. currentIds.Values], ct);
            var current = currentIds.Where(kv => pdus.ContainsKey(kv.Value)).ToDictionary(kv => kv.Key, kv => pdus[kv.Value]);
            // The room may have moved on while the invitee's server answered: check again against what is current now.
            var recheck = AuthRules.Check(signed, key => current.GetValueOrDefault(key));
            if (recheck.IsRejected)
            {
                throw MatrixException.Forbidden(recheck.Message);
            }
            await database.Events.PersistAsync(new PersistEventRequest(signed) { StateBefore = new StateInput.Existing(group) }, CancellationToken.None);
            _events.Remember(signed);
            return true;
        }, cancellationToken);
        await _writer.PublishPersistedAsync(signed);
        return signed.EventId;
    }

    /// <summary>The invitee's copy of our invite, if it is the same event validly signed by us and by <paramref name="invitee"/>.</summary>
    private async Task<Pdu?> VerifyCountersignedAsync(Pdu invite, ServerName invitee, JsonElement response, CancellationToken cancellationToken)
    {
        if (response.ValueKind != JsonValueKind.Object || !response.TryGetProperty("event", out var returned) || returned.ValueKind != JsonValueKind.Object
            || !PduParser.TryParse(JsonSerializer.SerializeToUtf8Bytes(returned), invite.RoomVersion, out var signed, out _)
            || signed.EventId != invite.EventId)
        {
            return null;
        }
        var check = await _checks.CheckAsync(signed.Json, invite.RoomVersion, cancellationToken);
        if (check.Outcome != PduCheckOutcome.Accepted)
        {
            return null;
        }
        if (!signed.Root.TryGetProperty("signatures", out var signatures) || !signatures.TryGetProperty(invitee.Value, out var theirs)
            || theirs.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var keys = new Dictionary<KeyId, VerifyKey>();
        foreach (var property in theirs.EnumerateObject())
        {
            if (KeyId.TryParse(property.Name, out var keyId)
                && await _keys.GetVerifyKeyAsync(invitee, keyId, 0, acceptOld: true, cancellationToken: cancellationToken) is { } verifyKey)
            {
                keys[keyId] = verifyKey;
            }
        }
        return EventSigning.VerifySignature(signed, invitee.Value, id => keys.GetValueOrDefault(id)).IsValid ? signed : null;
    }

    private static string Escape(RoomId roomId) => Uri.EscapeDataString(roomId.Value);

    private static string Escape(UserId userId) => Uri.EscapeDataString(userId.Value);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Server} could not help {Membership} {RoomId}: {Problem}")]
    private static partial void LogCandidateFailed(ILogger logger, string server, string membership, string roomId, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a state event {Server} sent for {RoomId}: {Problem}")]
    private static partial void LogDroppedStateEvent(ILogger logger, string server, string roomId, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Server} answered send_join for {RoomId} with an invalid room state: {Problem}")]
    private static partial void LogBadSendJoin(ILogger logger, string server, string roomId, string problem);

    private sealed class InvalidSendJoinResponseException(string message) : Exception(message);
}
