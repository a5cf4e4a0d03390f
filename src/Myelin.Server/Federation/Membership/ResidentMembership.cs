using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Events;
using Myelin.Server.Federation.Sending;
using Myelin.Server.Http;
using Myelin.Server.Rooms;
using Myelin.Server.Streams;
using Myelin.Storage.Events;

namespace Myelin.Server.Federation.Membership;

using Membership = Myelin.Protocol.Authorization.Membership;

/// <summary>
/// The resident side of the membership handshakes: answering <c>make_join</c> / <c>make_leave</c> / <c>make_knock</c>
/// with templates, accepting the signed events through <c>send_join</c> / <c>send_leave</c> / <c>send_knock</c>, and
/// countersigning invites of our users (<c>/invite</c>). spec: server-server "Joining Rooms", "Knocking upon a room",
/// "Inviting to a room", "Leaving Rooms (Rejecting Invites)"; joins-v1/v2, leaving-v1/v2, knocks, invites-v1/v2.yaml.
/// </summary>
public sealed partial class ResidentMembership
{
    private readonly RoomEventWriter _writer;
    private readonly RoomEvents _events;
    private readonly IncomingPduChecks _checks;
    private readonly FederationEventHandler _receiver;
    private readonly SigningKey _key;
    private readonly ServerName _serverName;
    private readonly Notifier _notifier;
    private readonly TimeProvider _time;
    private readonly IServiceProvider _services;
    private readonly ILogger<ResidentMembership> _logger;

    public ResidentMembership(RoomEventWriter writer, RoomEvents events, IncomingPduChecks checks, FederationEventHandler receiver, SigningKey key,
        MyelinConfig config, Notifier notifier, TimeProvider time, IServiceProvider services, ILogger<ResidentMembership> logger)
    {
        _writer = writer;
        _events = events;
        _checks = checks;
        _receiver = receiver;
        _key = key;
        _serverName = config.ServerName;
        _notifier = notifier;
        _time = time;
        _services = services;
        _logger = logger;
    }

    // ---- make_join / make_leave / make_knock ----

    /// <summary>
    /// <c>GET /make_join</c>: a join template for <paramref name="user"/> (a user of <paramref name="origin"/>).
    /// <paramref name="supportedVersions"/> is the <c>ver</c> query (default ["1"]). For a restricted room the template
    /// names one of our members who may invite as <c>join_authorised_via_users_server</c>.
    /// </summary>
    public async Task<JsonObject> MakeJoinAsync(ServerName origin, RoomId roomId, UserId user, IReadOnlyCollection<string> supportedVersions,
        CancellationToken cancellationToken)
    {
        var room = await LoadResidentRoomAsync(origin, roomId, user, cancellationToken);
        RequireSupported(room.Version, supportedVersions);
        var state = room.State;
        string current = AuthRules.MembershipOf(key => state.GetValueOrDefault(key), user);
        if (current == Membership.Ban)
        {
            throw MatrixException.Forbidden($"{user} is banned from the room.");
        }
        var content = new JsonObject { ["membership"] = Membership.Join };
        string joinRule = AuthRules.JoinRuleOf(key => state.GetValueOrDefault(key));
        bool restricted = room.Version.AllowRestrictedJoins && joinRule == JoinRules.Restricted
            || room.Version.AllowKnockRestricted && joinRule == JoinRules.KnockRestricted;
        if (restricted && current is not (Membership.Join or Membership.Invite))
        {
            content["join_authorised_via_users_server"] = (await AuthoriseRestrictedJoinAsync(room, user, cancellationToken)).Value;
        }
        else if (joinRule != JoinRules.Public && current is not (Membership.Join or Membership.Invite))
        {
            // The auth rules would refuse the join; say so in the words the spec's example uses.
            throw MatrixException.Forbidden("You are not invited to this room.");
        }
        return await MakeAsync(room, user, content, cancellationToken);
    }

    /// <summary><c>GET /make_leave</c>: a leave template (to leave, reject an invite or withdraw a knock).</summary>
    public async Task<JsonObject> MakeLeaveAsync(ServerName origin, RoomId roomId, UserId user, CancellationToken cancellationToken)
    {
        var room = await LoadResidentRoomAsync(origin, roomId, user, cancellationToken);
        return await MakeAsync(room, user, new JsonObject { ["membership"] = Membership.Leave }, cancellationToken);
    }

    /// <summary><c>GET /make_knock</c>: a knock template; the room version must support knocking.</summary>
    public async Task<JsonObject> MakeKnockAsync(ServerName origin, RoomId roomId, UserId user, IReadOnlyCollection<string> supportedVersions,
        CancellationToken cancellationToken)
    {
        var room = await LoadResidentRoomAsync(origin, roomId, user, cancellationToken);
        RequireSupported(room.Version, supportedVersions);
        if (!room.Version.AllowKnocking)
        {
            throw MatrixException.Forbidden($"Room version {room.Version.Id} does not support knocking.");
        }
        string current = AuthRules.MembershipOf(key => room.State.GetValueOrDefault(key), user);
        if (current is Membership.Join or Membership.Invite or Membership.Ban)
        {
            throw MatrixException.Forbidden($"{user} cannot knock: their membership is '{current}'.");
        }
        return await MakeAsync(room, user, new JsonObject { ["membership"] = Membership.Knock }, cancellationToken);
    }

    private async Task<JsonObject> MakeAsync(ResidentRoom room, UserId user, JsonObject content, CancellationToken cancellationToken)
    {
        var draft = await MembershipEvents.DraftAsync(_events, _serverName, _key, room.Version, room.RoomId, room.State, user, user, content,
            _time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        // spec: joins-v1.yaml 403 "does not permit the user to join": the template must pass the auth rules.
        var auth = AuthRules.Check(draft, key => room.State.GetValueOrDefault(key));
        if (auth.IsRejected)
        {
            throw MatrixException.Forbidden(auth.Message);
        }
        return new JsonObject
        {
            ["room_version"] = room.Version.Id,
            ["event"] = MembershipEvents.ToTemplate(draft, _serverName),
        };
    }

    /// <summary>
    /// spec: server-server "Restricted rooms": the user must be joined to one of the rooms the join rules allow; we
    /// vouch with one of our members who may invite. 400 <c>M_UNABLE_TO_AUTHORISE_JOIN</c> when we know none of the
    /// allowed rooms, 403 when the user meets no condition, 400 <c>M_UNABLE_TO_GRANT_JOIN</c> when none of our members may invite.
    /// </summary>
    private async Task<UserId> AuthoriseRestrictedJoinAsync(ResidentRoom room, UserId user, CancellationToken cancellationToken)
    {
        var joinRules = room.State.GetValueOrDefault(new StateKey(EventTypes.JoinRules, ""));
        bool knowsAny = false;
        bool satisfied = false;
        if (joinRules?.Content is { ValueKind: JsonValueKind.Object } rules && rules.TryGetProperty("allow", out var allow) && allow.ValueKind == JsonValueKind.Array)
        {
            foreach (var condition in allow.EnumerateArray())
            {
                if (condition.ValueKind != JsonValueKind.Object || !condition.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
                    || type.GetString() != "m.room_membership" || !condition.TryGetProperty("room_id", out var id) || id.ValueKind != JsonValueKind.String
                    || !RoomId.TryParse(id.GetString(), out var allowedRoom) || !await IsResidentAsync(allowedRoom, cancellationToken))
                {
                    continue;
                }
                knowsAny = true;
                var membership = await _events.Database.Memberships.GetMembershipAsync(allowedRoom, user, cancellationToken);
                satisfied |= membership?.Membership == Membership.Join;
            }
        }
        if (!satisfied)
        {
            throw knowsAny
                ? MatrixException.Forbidden($"{user} does not meet any of the room's join conditions.")
                : new MatrixException(MatrixErrorCodes.UnableToAuthoriseJoin, "This server cannot check the room's join conditions; try another server.", 400);
        }
        var levels = PowerLevels.From(room.State.GetValueOrDefault(new StateKey(EventTypes.PowerLevels, "")),
            room.State.GetValueOrDefault(new StateKey(EventTypes.Create, "")), room.Version);
        foreach (var member in LocalJoinedMembers(room.State))
        {
            if (levels.CanInvite(member))
            {
                return member;
            }
        }
        throw new MatrixException(MatrixErrorCodes.UnableToGrantJoin, "None of this server's members may invite; try another server.", 400);
    }

    // ---- send_join / send_leave / send_knock ----

    /// <summary>
    /// <c>PUT /send_join</c>: validates and accepts the join, then answers with the state before it, the auth chain,
    /// <c>event</c> (when we added our signature for a restricted join), <c>members_omitted: false</c> and <c>servers_in_room</c>.
    /// </summary>
    public async Task<JsonObject> SendJoinAsync(ServerName origin, RoomId roomId, string eventId, JsonElement body, CancellationToken cancellationToken)
    {
        var accepted = await AcceptAsync(origin, roomId, eventId, body, Membership.Join, cancellationToken);
        var state = accepted.StateBefore.Values.ToList();
        var authChain = await GetAuthChainAsync([.. state, accepted.Pdu], cancellationToken);
        var response = new JsonObject
        {
            ["state"] = new JsonArray([.. state.Select(MembershipEvents.ToJson)]),
            ["auth_chain"] = new JsonArray([.. authChain.Select(MembershipEvents.ToJson)]),
            ["members_omitted"] = false,
            ["servers_in_room"] = new JsonArray([.. ServersInRoom(accepted.StateBefore).Select(s => (JsonNode)s.Value)]),
            ["origin"] = _serverName.Value,
        };
        if (accepted.SignedByUs)
        {
            response["event"] = MembershipEvents.ToJson(accepted.Pdu);
        }
        return response;
    }

    /// <summary><c>PUT /send_leave</c>: validates and accepts the leave.</summary>
    public async Task SendLeaveAsync(ServerName origin, RoomId roomId, string eventId, JsonElement body, CancellationToken cancellationToken) =>
        await AcceptAsync(origin, roomId, eventId, body, Membership.Leave, cancellationToken);

    /// <summary><c>PUT /send_knock</c>: validates and accepts the knock; answers with the room's stripped state.</summary>
    public async Task<JsonObject> SendKnockAsync(ServerName origin, RoomId roomId, string eventId, JsonElement body, CancellationToken cancellationToken)
    {
        var accepted = await AcceptAsync(origin, roomId, eventId, body, Membership.Knock, cancellationToken);
        var stripped = MembershipEvents.SelectStrippedState(accepted.StateBefore, sender: null);
        return new JsonObject { ["knock_room_state"] = new JsonArray([.. stripped.Select(MembershipEvents.ToJson)]) };
    }

    private async Task<AcceptedMembership> AcceptAsync(ServerName origin, RoomId roomId, string eventId, JsonElement body, string membership,
        CancellationToken cancellationToken)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("The body must be the signed membership event.");
        }
        var room = await LoadResidentRoomAsync(origin, roomId, user: null, cancellationToken);
        if (!PduParser.TryParse(JsonSerializer.SerializeToUtf8Bytes(body), room.Version, out var pdu, out string? error))
        {
            throw MatrixException.BadJson($"Not a valid event for room version {room.Version.Id}: {error}");
        }
        // spec: joins-v2.yaml send_join "servers SHOULD return M_INVALID_PARAM if" (the same for send_leave / send_knock).
        if (pdu.RoomId != roomId)
        {
            throw MatrixException.InvalidParam($"The event is for room {pdu.RoomId}, not {roomId}.");
        }
        if (pdu.EventId.Value != eventId)
        {
            throw MatrixException.InvalidParam($"The event's ID is {pdu.EventId}, not {eventId}.");
        }
        if (pdu.Type != EventTypes.Member || MembershipEvents.ContentString(pdu, "membership") != membership)
        {
            throw MatrixException.InvalidParam($"Not an m.room.member event with membership '{membership}'.");
        }
        if (pdu.Sender.Server != origin)
        {
            throw MatrixException.InvalidParam($"The sender {pdu.Sender} is not a user of {origin}.");
        }
        if (pdu.StateKey != pdu.Sender.Value)
        {
            throw MatrixException.InvalidParam("The state_key is not the sender.");
        }
        bool signedByUs = false;
        if (membership == Membership.Join && room.Version.AllowRestrictedJoins
            && MembershipEvents.ContentString(pdu, "join_authorised_via_users_server") is { } via
            && UserId.TryParse(via, out var authoriser) && authoriser.Server == _serverName)
        {
            // spec: joins-v2.yaml "the signature must be added before sending or persisting the event to other servers".
            pdu = MembershipEvents.AddSignature(pdu, _serverName, _key);
            signedByUs = true;
        }
        var check = await _checks.CheckAsync(pdu.Json, room.Version, cancellationToken);
        if (check.Outcome != PduCheckOutcome.Accepted)
        {
            throw MatrixException.InvalidParam($"The event fails the signature or hash check: {check.Reason}");
        }

        // spec: server-server "Checks performed on receipt of a PDU" 4–6, through the same pipeline as /send.
        using (var document = JsonDocument.Parse(pdu.Json))
        {
            var received = await _receiver.ReceivePduAsync(origin, document.RootElement, cancellationToken);
            switch (received.Outcome)
            {
                case ReceivedPduOutcome.Accepted:
                    break;
                case ReceivedPduOutcome.Dropped:
                    throw MatrixException.InvalidParam($"The event cannot be accepted: {received.Error}");
                default:
                    // Rejected by the auth rules, or soft-failed: not allowed by the room's current state.
                    throw MatrixException.Forbidden($"The event is not allowed: {received.Error ?? received.Outcome.ToString()}");
            }
        }
        var stateIds = await _events.Database.State.GetStateBeforeEventAsync(pdu.EventId, cancellationToken)
            ?? throw MatrixException.Unknown($"The state before {pdu.EventId} is not stored.");
        var statePdus = await _events.GetPdusAsync([.. stateIds.Values], cancellationToken);
        var stateBefore = stateIds.Where(kv => statePdus.ContainsKey(kv.Value)).ToDictionary(kv => kv.Key, kv => statePdus[kv.Value]);
        await ForwardAsync(pdu, origin, stateBefore);
        return new AcceptedMembership(pdu, stateBefore, signedByUs);
    }

    /// <summary>spec: server-server "Joining Rooms": "The resident server must also send the event to other servers participating in the room."</summary>
    private async Task ForwardAsync(Pdu pdu, ServerName origin, IReadOnlyDictionary<StateKey, Pdu> state)
    {
        var destinations = ServersInRoom(state).Where(s => s != origin && s != _serverName).ToList();
        if (destinations.Count == 0 || _services.GetService<IFederationSender>() is not { } sender)
        {
            return;
        }
        try
        {
            await sender.SendPduAsync(pdu, destinations, CancellationToken.None);
        }
#pragma warning disable CA1031 // the event is accepted; failing to queue it for others must not fail the handshake
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogForwardFailed(_logger, e, pdu.EventId.Value);
        }
    }

    // ---- invite ----

    /// <summary>
    /// <c>PUT /invite</c> (v2; v1 passes the event's own <c>unsigned.invite_room_state</c>): checks the invite of one
    /// of our users, adds our signature, stores it as an outlier carrying the room's stripped state so the invitee sees
    /// it in /sync, and returns the countersigned event.
    /// </summary>
    public async Task<Pdu> ReceiveInviteAsync(ServerName origin, RoomId roomId, string eventId, string? roomVersion, JsonElement @event,
        JsonElement? inviteRoomState, CancellationToken cancellationToken)
    {
        if (!KnownRoomVersions.TryGet(roomVersion, out var version))
        {
            throw MatrixException.IncompatibleRoomVersion(roomVersion ?? "", $"This server does not support room version '{roomVersion}'.");
        }
        if (@event.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("event must be the invite event.");
        }
        if (!PduParser.TryParse(JsonSerializer.SerializeToUtf8Bytes(@event), version, out var pdu, out string? error))
        {
            throw MatrixException.BadJson($"Not a valid event for room version {version.Id}: {error}");
        }
        // spec: invites-v2.yaml "servers SHOULD return M_INVALID_PARAM if".
        if (pdu.RoomId != roomId || pdu.EventId.Value != eventId)
        {
            throw MatrixException.InvalidParam("The event's room ID or event ID does not match the path.");
        }
        if (pdu.Type != EventTypes.Member || MembershipEvents.ContentString(pdu, "membership") != Membership.Invite)
        {
            throw MatrixException.InvalidParam("Not an m.room.member event with membership 'invite'.");
        }
        if (pdu.Sender.Server != origin)
        {
            throw MatrixException.InvalidParam($"The sender {pdu.Sender} is not a user of {origin}.");
        }
        if (!UserId.TryParse(pdu.StateKey, out var invitee) || invitee.Server != _serverName)
        {
            throw MatrixException.InvalidParam("The invited user is not a user of this server.");
        }
        if (!await _events.Database.Users.ExistsAsync(invitee, cancellationToken))
        {
            throw MatrixException.Forbidden($"{invitee} does not exist.");
        }
        var known = await _events.GetRoomVersionAsync(roomId, cancellationToken);
        if (known is not null && known.Id != version.Id)
        {
            throw MatrixException.InvalidParam($"Room {roomId} has version {known.Id}, not {version.Id}.");
        }
        bool resident = await IsResidentAsync(roomId, cancellationToken);
        if (resident)
        {
            var state = await _writer.GetCurrentStateAsync(roomId, cancellationToken);
            RequireAclAllows(state, origin);
        }
        var check = await _checks.CheckAsync(pdu.Json, version, cancellationToken);
        if (check.Outcome != PduCheckOutcome.Accepted)
        {
            throw MatrixException.InvalidParam($"The invite fails the signature or hash check: {check.Reason}");
        }
        var stripped = StripInviteRoomState(inviteRoomState, version, roomId);

        var signed = MembershipEvents.AddSignature(pdu, _serverName, _key);
        if (resident)
        {
            // We are in the room: the invite also arrives as a PDU in a transaction and becomes state then (storing it
            // as an outlier now would make that PDU look already processed).
            return signed;
        }
        var stored = MembershipEvents.WithUnsigned(signed, "invite_room_state", stripped);
        await _writer.RunExclusiveAsync(roomId, async ct =>
        {
            var database = _events.Database;
            if (known is null)
            {
                await database.Rooms.CreateAsync(roomId, version.Id, null, _time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken: CancellationToken.None);
                _events.RememberRoomVersion(roomId, version);
            }
            // All we know of the room: the invitee's membership, out of band.
            await database.Events.PersistAsync(new PersistEventRequest(stored) { IsOutlier = true, IsOutOfBandMembership = true }, CancellationToken.None);
            _events.Remember(stored);
            return true;
        }, cancellationToken);
        _notifier.NotifyUser(invitee);
        return signed;
    }

    /// <summary>
    /// Turns <c>invite_room_state</c> PDUs into client stripped state. spec: invites-v2.yaml — "MUST contain the
    /// m.room.create event"; checked for room versions after 11 (SHOULD) and, while servers migrate, not for 1–11.
    /// </summary>
    private static JsonArray StripInviteRoomState(JsonElement? inviteRoomState, RoomVersion version, RoomId roomId)
    {
        var stripped = new JsonArray();
        bool hasCreate = false;
        if (inviteRoomState is { } provided)
        {
            if (provided.ValueKind != JsonValueKind.Array)
            {
                throw MatrixException.BadJson("invite_room_state must be an array.");
            }
            foreach (var item in provided.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
                    || !item.TryGetProperty("state_key", out var stateKey) || stateKey.ValueKind != JsonValueKind.String)
                {
                    throw MatrixException.InvalidParam("Every invite_room_state entry must be a state event.");
                }
                if (item.TryGetProperty("room_id", out var itemRoom) && itemRoom.ValueKind == JsonValueKind.String && itemRoom.GetString() != roomId.Value)
                {
                    throw MatrixException.InvalidParam("An invite_room_state entry belongs to another room.");
                }
                hasCreate |= type.GetString() == EventTypes.Create && stateKey.GetString() == "";
                stripped.Add(MembershipEvents.Stripped(item));
            }
        }
        if (!hasCreate && version.RoomIdIsCreateEventHash)
        {
            throw MatrixException.MissingParam("invite_room_state must contain the room's m.room.create event.");
        }
        return stripped;
    }

    // ---- shared ----

    /// <summary>Whether one of our users is joined to the room (then this server has its state and can vouch for it).</summary>
    public async Task<bool> IsResidentAsync(RoomId roomId, CancellationToken cancellationToken)
    {
        if (await _events.GetRoomVersionAsync(roomId, cancellationToken) is null)
        {
            return false;
        }
        var joined = await _events.Database.Memberships.GetMembersAsync(roomId, Membership.Join, cancellationToken);
        return joined.Any(u => u.Server == _serverName);
    }

    /// <summary>
    /// The room as a resident sees it. 404 for a room we are not in; 403 when the room's server ACL denies
    /// <paramref name="origin"/> (spec: server-server "Server Access Control Lists") or <paramref name="user"/> is not
    /// a user of <paramref name="origin"/> (spec: joins-v1.yaml userId "MUST be a user ID on the origin server").
    /// </summary>
    private async Task<ResidentRoom> LoadResidentRoomAsync(ServerName origin, RoomId roomId, UserId? user, CancellationToken cancellationToken)
    {
        if (user is { } u && u.Server != origin)
        {
            throw MatrixException.Forbidden($"{u} is not a user of {origin}.");
        }
        var version = await _events.GetRoomVersionAsync(roomId, cancellationToken);
        if (version is null || !await IsResidentAsync(roomId, cancellationToken))
        {
            throw MatrixException.NotFound("Unknown room.");
        }
        var state = await _writer.GetCurrentStateAsync(roomId, cancellationToken);
        RequireAclAllows(state, origin);
        return new ResidentRoom(roomId, version, state);
    }

    private static void RequireAclAllows(IReadOnlyDictionary<StateKey, Pdu> state, ServerName origin)
    {
        if (state.TryGetValue(new StateKey(EventTypes.ServerAcl, ""), out var acl) && !ServerAcl.FromContent(acl.Content).IsAllowed(origin))
        {
            throw MatrixException.Forbidden($"Server {origin} is denied by the room's server ACL.");
        }
    }

    private static void RequireSupported(RoomVersion version, IReadOnlyCollection<string> supportedVersions)
    {
        // spec: joins-v1.yaml 400 "the room ... has a version that is not listed in the ver parameters".
        if (!supportedVersions.Contains(version.Id))
        {
            throw MatrixException.IncompatibleRoomVersion(version.Id);
        }
    }

    private IEnumerable<UserId> LocalJoinedMembers(IReadOnlyDictionary<StateKey, Pdu> state) =>
        state.Values.Where(p => p.Type == EventTypes.Member && MembershipEvents.ContentString(p, "membership") == Membership.Join
            && UserId.TryParse(p.StateKey, out var member) && member.Server == _serverName)
            .Select(p => UserId.Parse(p.StateKey!))
            .OrderBy(u => u.Value, StringComparer.Ordinal);

    /// <summary>The servers with joined members in <paramref name="state"/>.</summary>
    public static IReadOnlyList<ServerName> ServersInRoom(IReadOnlyDictionary<StateKey, Pdu> state) =>
        state.Values.Where(p => p.Type == EventTypes.Member && MembershipEvents.ContentString(p, "membership") == Membership.Join)
            .Select(p => UserId.TryParse(p.StateKey, out var member) ? member.Server : (ServerName?)null)
            .OfType<ServerName>()
            .Distinct()
            .OrderBy(s => s.Value, StringComparer.Ordinal)
            .ToList();

    /// <summary>Every event in the auth chains of <paramref name="events"/> (not the events themselves unless cited).</summary>
    public async Task<IReadOnlyList<Pdu>> GetAuthChainAsync(IReadOnlyCollection<Pdu> events, CancellationToken cancellationToken)
    {
        var chain = new Dictionary<EventId, Pdu>();
        var frontier = events.SelectMany(e => e.AuthEvents).Distinct().ToList();
        while (frontier.Count > 0)
        {
            var found = await _events.GetPdusAsync(frontier.Where(id => !chain.ContainsKey(id)).ToList(), cancellationToken);
            var next = new List<EventId>();
            foreach (var (id, pdu) in found)
            {
                if (chain.TryAdd(id, pdu))
                {
                    next.AddRange(pdu.AuthEvents.Where(a => !chain.ContainsKey(a)));
                }
            }
            frontier = next.Distinct().ToList();
        }
        return [.. chain.Values.OrderBy(p => p.Depth).ThenBy(p => p.EventId.Value, StringComparer.Ordinal)];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not queue {EventId} for the room's other servers")]
    private static partial void LogForwardFailed(ILogger logger, Exception exception, string eventId);

    private sealed record ResidentRoom(RoomId RoomId, RoomVersion Version, IReadOnlyDictionary<StateKey, Pdu> State);

    private sealed record AcceptedMembership(Pdu Pdu, IReadOnlyDictionary<StateKey, Pdu> StateBefore, bool SignedByUs);
}
