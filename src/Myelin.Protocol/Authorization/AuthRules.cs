using System.Text.Json;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Authorization;

/// <summary>
/// The room authorization rules of room versions 1–12 as a pure function of an event and the room state it is
/// checked against. spec: rooms/fragments/v1-auth-rules.md (v1–v2), v3-auth-rules.md (v3–v5), rooms/v6, v7,
/// fragments/v8-auth-rules.md (v8–v9), rooms/v10, v11, v12 "Authorization rules".
/// </summary>
/// <remarks>
/// <para>The auth state is the state the event is checked against: its auth events (server-server "Checks performed
/// on receipt of a PDU" 4), the state before it (5) or the room's current state (6). Only the keys chosen by
/// <see cref="AuthEventSelection"/> are read. In room version 12 the <c>m.room.create</c> event is never among the auth
/// events; callers must make it available under <c>(m.room.create, "")</c>, found from the room ID.</para>
/// <para>The rules about the auth events list itself (duplicates, unexpected entries, rejected entries, room IDs) are
/// checked by <see cref="CheckAuthEvents"/>, which needs the auth events rather than a state map.</para>
/// </remarks>
public static class AuthRules
{
    private static readonly StateKey CreateKey = new(EventTypes.Create, "");
    private static readonly StateKey PowerLevelsKey = new(EventTypes.PowerLevels, "");
    private static readonly StateKey JoinRulesKey = new(EventTypes.JoinRules, "");

    private static readonly string[] NamedLevels = ["users_default", "events_default", "state_default", "ban", "redact", "kick", "invite"];

    public static AuthResult Check(Pdu pdu, IReadOnlyDictionary<StateKey, Pdu> authState, AuthRulesOptions? options = null) =>
        Check(pdu, key => authState.GetValueOrDefault(key), options);

    /// <summary>Checks <paramref name="pdu"/> against the rules of its room version.</summary>
    /// <param name="authState">Looks up a piece of the state the event is checked against; null when absent.</param>
    public static AuthResult Check(Pdu pdu, Func<StateKey, Pdu?> authState, AuthRulesOptions? options = null)
    {
        options ??= AuthRulesOptions.Default;
        var check = new Checker(pdu, authState, options);
        return check.Run();
    }

    /// <summary>
    /// The rules about an event's <c>auth_events</c> list (rule 2 in v1–v11, rule 3 in v12): no duplicate
    /// (type, state_key), only entries <see cref="AuthEventSelection"/> would select, none rejected, all in the same
    /// room, and (before v12) an <c>m.room.create</c> among them.
    /// </summary>
    public static AuthResult CheckAuthEvents(Pdu pdu, IReadOnlyList<Pdu> authEvents, Func<EventId, bool>? isRejected = null)
    {
        var v = pdu.RoomVersion;
        var n = new AuthRuleNumbers(v);
        string rule(int clause) => $"{n.AuthEvents}.{clause}";
        if (pdu.Type == EventTypes.Create && pdu.StateKey == "")
        {
            return AuthResult.Allowed;
        }
        var allowed = AuthEventSelection.SelectKeys(v, pdu.Type, pdu.StateKey, pdu.Sender, pdu.Content).ToHashSet();
        var seen = new HashSet<StateKey>();
        bool hasCreate = false;
        foreach (var auth in authEvents)
        {
            if (auth.StateTuple is not { } key)
            {
                return AuthResult.Reject(v.Id, rule(2), $"auth event {auth.EventId} is not a state event");
            }
            if (!seen.Add(key))
            {
                return AuthResult.Reject(v.Id, rule(1), $"auth events contain more than one {key}");
            }
            if (!allowed.Contains(key))
            {
                return AuthResult.Reject(v.Id, rule(2), $"auth event {auth.EventId} {key} is not one the auth events selection would choose");
            }
            if (isRejected?.Invoke(auth.EventId) == true)
            {
                return AuthResult.Reject(v.Id, rule(3), $"auth event {auth.EventId} was rejected");
            }
            if (auth.RoomId != pdu.RoomId)
            {
                return AuthResult.Reject(v.Id, rule(5), $"auth event {auth.EventId} belongs to another room");
            }
            hasCreate |= key == CreateKey;
        }
        if (!v.RoomIdIsCreateEventHash && !hasCreate)
        {
            return AuthResult.Reject(v.Id, rule(4), "no m.room.create event among the auth events");
        }
        return AuthResult.Allowed;
    }

    /// <summary>The <c>membership</c> of a user in the given state (<c>leave</c> when they have no member event).</summary>
    public static string MembershipOf(Func<StateKey, Pdu?> state, UserId user) =>
        ReadMembership(state(new StateKey(EventTypes.Member, user.Value))) ?? Membership.Leave;

    /// <summary>The room's join rule; <c>invite</c> when there is no <c>m.room.join_rules</c> event.</summary>
    public static string JoinRuleOf(Func<StateKey, Pdu?> state) =>
        GetString(state(JoinRulesKey)?.Content, "join_rule") ?? JoinRules.Invite;

    internal static string? ReadMembership(Pdu? member) => GetString(member?.Content, "membership");

    private static string? GetString(JsonElement? content, string property) =>
        content is { ValueKind: JsonValueKind.Object } c && c.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static bool TryGetProperty(JsonElement content, string name, out JsonElement value)
    {
        value = default;
        return content.ValueKind == JsonValueKind.Object && content.TryGetProperty(name, out value);
    }

    /// <summary>One evaluation of the rules; holds what every clause reads.</summary>
    private sealed class Checker(Pdu pdu, Func<StateKey, Pdu?> state, AuthRulesOptions options)
    {
        private readonly RoomVersion _v = pdu.RoomVersion;
        private readonly AuthRuleNumbers _n = new(pdu.RoomVersion);
        private Pdu? _create;
        private PowerLevels? _levels;

        private PowerLevels Levels => _levels ??= PowerLevels.From(state(PowerLevelsKey), _create, _v);

        private AuthResult Reject(string rule, string reason) => AuthResult.Reject(_v.Id, rule, reason);
        private AuthResult Reject(int rule, string reason) => Reject(rule.ToString(System.Globalization.CultureInfo.InvariantCulture), reason);

        public AuthResult Run()
        {
            if (pdu.Type == EventTypes.Create)
            {
                return CheckCreate();
            }

            _create = state(CreateKey);
            if (_v.RoomIdIsCreateEventHash)
            {
                // spec: rooms/v12 rule 2 — the room ID is the create event's ID with the '!' sigil.
                if (_create is null || !RoomIdIsCreateEventId(pdu.RoomId, _create.EventId))
                {
                    return Reject(_n.RoomId, "room_id is not the event ID of the room's m.room.create event");
                }
            }
            else if (_create is null)
            {
                return Reject($"{_n.AuthEvents}.4", "there is no m.room.create event");
            }

            // spec: rule "m.federate" — a room closed to federation only accepts the creator's server.
            if (TryGetProperty(_create.Content, "m.federate", out var federate)
                && federate.ValueKind == JsonValueKind.False
                && pdu.Sender.Server != _create.Sender.Server)
            {
                return Reject(_n.Federate, "the room does not federate and the sender is on another server");
            }

            if (_v.SpecialCaseAliasesAuth && pdu.Type == EventTypes.Aliases)
            {
                return CheckAliases();
            }
            if (pdu.Type == EventTypes.Member)
            {
                return CheckMember();
            }

            if (MembershipOf(state, pdu.Sender) != Membership.Join)
            {
                return Reject(_n.SenderJoined, "sender is not joined to the room");
            }

            long senderLevel = Levels.GetUserLevel(pdu.Sender);
            if (pdu.Type == EventTypes.ThirdPartyInvite)
            {
                return senderLevel >= Levels.Invite
                    ? AuthResult.Allowed
                    : Reject($"{_n.ThirdPartyInvite}.1", "sender's power level is below the invite level");
            }

            long required = Levels.GetRequiredLevelForEvent(pdu.Type, pdu.IsState);
            if (required > senderLevel)
            {
                return Reject(_n.RequiredLevel, $"sender's power level {senderLevel} is below the {required} required to send {pdu.Type}");
            }

            if (pdu.StateKey is { } stateKey && stateKey.StartsWith('@') && stateKey != pdu.Sender.Value)
            {
                return Reject(_n.StateKeyUserId, "state_key starts with '@' and is not the sender");
            }

            if (pdu.Type == EventTypes.PowerLevels)
            {
                return CheckPowerLevels(senderLevel);
            }

            if (_v.SpecialCaseRedactionAuth && pdu.Type == EventTypes.Redaction)
            {
                return CheckRedaction(senderLevel);
            }

            return AuthResult.Allowed;
        }

        private AuthResult CheckCreate()
        {
            if (pdu.PrevEvents.Count > 0)
            {
                return Reject("1.1", "m.room.create has prev_events");
            }
            if (_v.RoomIdIsCreateEventHash)
            {
                if (JsonHasTopLevelProperty(pdu.Json, "room_id"))
                {
                    return Reject("1.2", "m.room.create has a room_id");
                }
            }
            else if (pdu.RoomId.Server is not { } roomServer || roomServer != pdu.Sender.Server)
            {
                return Reject("1.2", "the room ID's domain does not match the sender's domain");
            }
            if (TryGetProperty(pdu.Content, "room_version", out var roomVersion)
                && (roomVersion.ValueKind != JsonValueKind.String || !KnownRoomVersions.TryGet(roomVersion.GetString(), out _)))
            {
                return Reject("1.3", "content.room_version is not a recognised room version");
            }
            if (!_v.CreatorIsSender && !TryGetProperty(pdu.Content, "creator", out _))
            {
                return Reject("1.4", "content has no creator");
            }
            if (_v.PrivilegedCreators && TryGetProperty(pdu.Content, "additional_creators", out var extra))
            {
                bool valid = extra.ValueKind == JsonValueKind.Array
                    && extra.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String && UserId.TryParse(e.GetString(), out _));
                if (!valid)
                {
                    return Reject("1.4", "content.additional_creators is not an array of valid user IDs");
                }
            }
            return AuthResult.Allowed;
        }

        private AuthResult CheckAliases()
        {
            string rule = _n.Aliases.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (pdu.StateKey is null)
            {
                return Reject($"{rule}.1", "m.room.aliases has no state_key");
            }
            if (pdu.StateKey != pdu.Sender.Server.Value)
            {
                return Reject($"{rule}.2", "sender's domain does not match the state_key");
            }
            return AuthResult.Allowed;
        }

        private AuthResult CheckMember()
        {
            int m = _n.Member;
            string? membership = GetString(pdu.Content, "membership");
            if (pdu.StateKey is null || membership is null)
            {
                return Reject($"{m}.1", "m.room.member has no state_key or no content.membership");
            }
            if (!UserId.TryParse(pdu.StateKey, out var target))
            {
                return Reject($"{m}.1", "m.room.member state_key is not a user ID");
            }

            if (_v.AllowRestrictedJoins && TryGetProperty(pdu.Content, "join_authorised_via_users_server", out var via))
            {
                string rule = $"{m}.{_n.MemberJoinAuthorisedVia}.1";
                if (via.ValueKind != JsonValueKind.String || !UserId.TryParse(via.GetString(), out var authoriser))
                {
                    return Reject(rule, "join_authorised_via_users_server is not a user ID");
                }
                if (!options.VerifyServerSignature(pdu, authoriser.Server))
                {
                    return Reject(rule, $"the event is not signed by {authoriser.Server}, the server of join_authorised_via_users_server");
                }
            }

            return membership switch
            {
                Membership.Join => CheckJoin(target),
                Membership.Invite => CheckInvite(target),
                Membership.Leave => CheckLeave(target),
                Membership.Ban => CheckBan(target),
                Membership.Knock when _v.AllowKnocking => CheckKnock(target),
                _ => Reject($"{m}.{_n.MemberUnknown}", $"unknown membership '{membership}'"),
            };
        }

        private AuthResult CheckJoin(UserId target)
        {
            string r = $"{_n.Member}.{_n.MemberJoin}";
            // spec: "If the only previous event is an m.room.create and the state_key is the creator, allow."
            if (pdu.PrevEvents.Count == 1 && pdu.PrevEvents[0] == _create!.EventId && IsOriginalCreator(target))
            {
                return AuthResult.Allowed;
            }
            if (pdu.Sender != target)
            {
                return Reject($"{r}.2", "sender does not match state_key");
            }
            string current = MembershipOf(state, target);
            if (current == Membership.Ban)
            {
                return Reject($"{r}.3", "sender is banned");
            }
            string joinRule = JoinRuleOf(state);
            if (joinRule == JoinRules.Invite || (_v.AllowKnocking && joinRule == JoinRules.Knock))
            {
                return current is Membership.Invite or Membership.Join
                    ? AuthResult.Allowed
                    : Reject($"{r}.4", $"join rule is '{joinRule}' and the sender is not invited");
            }
            if ((_v.AllowRestrictedJoins && joinRule == JoinRules.Restricted)
                || (_v.AllowKnockRestricted && joinRule == JoinRules.KnockRestricted))
            {
                string rr = $"{r}.{_n.JoinRestricted}";
                if (current is Membership.Join or Membership.Invite)
                {
                    return AuthResult.Allowed;
                }
                if (!TryGetProperty(pdu.Content, "join_authorised_via_users_server", out var via)
                    || via.ValueKind != JsonValueKind.String
                    || !UserId.TryParse(via.GetString(), out var authoriser))
                {
                    return Reject($"{rr}.2", "join rule is restricted and no join_authorised_via_users_server is given");
                }
                if (MembershipOf(state, authoriser) != Membership.Join)
                {
                    return Reject($"{rr}.2", "join_authorised_via_users_server is not a joined member of the room");
                }
                if (Levels.GetUserLevel(authoriser) < Levels.Invite)
                {
                    return Reject($"{rr}.2", "join_authorised_via_users_server may not invite users");
                }
                return AuthResult.Allowed;
            }
            if (joinRule == JoinRules.Public)
            {
                return AuthResult.Allowed;
            }
            return Reject($"{r}.{_n.JoinOtherwise}", $"join rule '{joinRule}' does not allow joining");
        }

        /// <summary>The creator the "first join" rule names: <c>content.creator</c>, or the create event's sender (v11+).</summary>
        private bool IsOriginalCreator(UserId user)
        {
            if (_v.CreatorIsSender)
            {
                return _create!.Sender == user;
            }
            return GetString(_create!.Content, "creator") == user.Value;
        }

        private AuthResult CheckInvite(UserId target)
        {
            string r = $"{_n.Member}.{_n.MemberInvite}";
            if (TryGetProperty(pdu.Content, "third_party_invite", out var thirdParty))
            {
                return CheckThirdPartyInvite(target, thirdParty, $"{r}.1");
            }
            if (MembershipOf(state, pdu.Sender) != Membership.Join)
            {
                return Reject($"{r}.2", "sender is not joined to the room");
            }
            string targetMembership = MembershipOf(state, target);
            if (targetMembership is Membership.Join or Membership.Ban)
            {
                return Reject($"{r}.3", $"target user's membership is '{targetMembership}'");
            }
            return Levels.GetUserLevel(pdu.Sender) >= Levels.Invite
                ? AuthResult.Allowed
                : Reject($"{r}.5", "sender's power level is below the invite level");
        }

        private AuthResult CheckThirdPartyInvite(UserId target, JsonElement thirdParty, string r)
        {
            if (MembershipOf(state, target) == Membership.Ban)
            {
                return Reject($"{r}.1", "target user is banned");
            }
            if (!TryGetProperty(thirdParty, "signed", out var signed) || signed.ValueKind != JsonValueKind.Object)
            {
                return Reject($"{r}.2", "third_party_invite has no signed object");
            }
            string? mxid = GetString(signed, "mxid");
            string? token = GetString(signed, "token");
            if (mxid is null || token is null)
            {
                return Reject($"{r}.3", "signed has no mxid or no token");
            }
            if (mxid != target.Value)
            {
                return Reject($"{r}.4", "signed.mxid does not match state_key");
            }
            var invite = state(new StateKey(EventTypes.ThirdPartyInvite, token));
            if (invite is null)
            {
                return Reject($"{r}.5", "no m.room.third_party_invite event matches the token");
            }
            if (invite.Sender != pdu.Sender)
            {
                return Reject($"{r}.6", "sender did not send the m.room.third_party_invite");
            }
            if (options.VerifyThirdPartyInviteSignature is { } verify)
            {
                foreach (string key in ThirdPartyInvitePublicKeys(invite.Content))
                {
                    if (verify(signed, key))
                    {
                        return AuthResult.Allowed;
                    }
                }
            }
            return Reject($"{r}.8", "no signature in signed matches a public key of the m.room.third_party_invite");
        }

        private static IEnumerable<string> ThirdPartyInvitePublicKeys(JsonElement content)
        {
            if (GetString(content, "public_key") is { } single)
            {
                yield return single;
            }
            if (TryGetProperty(content, "public_keys", out var keys) && keys.ValueKind == JsonValueKind.Array)
            {
                foreach (var key in keys.EnumerateArray())
                {
                    if (GetString(key, "public_key") is { } k)
                    {
                        yield return k;
                    }
                }
            }
        }

        private AuthResult CheckLeave(UserId target)
        {
            string r = $"{_n.Member}.{_n.MemberLeave}";
            if (pdu.Sender == target)
            {
                string own = MembershipOf(state, target);
                bool may = own is Membership.Invite or Membership.Join || (_v.AllowKnocking && own == Membership.Knock);
                return may ? AuthResult.Allowed : Reject($"{r}.1", $"sender cannot leave from membership '{own}'");
            }
            if (MembershipOf(state, pdu.Sender) != Membership.Join)
            {
                return Reject($"{r}.2", "sender is not joined to the room");
            }
            long senderLevel = Levels.GetUserLevel(pdu.Sender);
            if (MembershipOf(state, target) == Membership.Ban && senderLevel < Levels.Ban)
            {
                return Reject($"{r}.3", "target user is banned and sender's power level is below the ban level");
            }
            if (senderLevel >= Levels.Kick && Levels.GetUserLevel(target) < senderLevel)
            {
                return AuthResult.Allowed;
            }
            return Reject($"{r}.5", "sender's power level is below the kick level or not above the target user's");
        }

        private AuthResult CheckBan(UserId target)
        {
            string r = $"{_n.Member}.{_n.MemberBan}";
            if (MembershipOf(state, pdu.Sender) != Membership.Join)
            {
                return Reject($"{r}.1", "sender is not joined to the room");
            }
            long senderLevel = Levels.GetUserLevel(pdu.Sender);
            if (senderLevel >= Levels.Ban && Levels.GetUserLevel(target) < senderLevel)
            {
                return AuthResult.Allowed;
            }
            return Reject($"{r}.3", "sender's power level is below the ban level or not above the target user's");
        }

        private AuthResult CheckKnock(UserId target)
        {
            string r = $"{_n.Member}.{_n.MemberKnock}";
            string joinRule = JoinRuleOf(state);
            if (joinRule != JoinRules.Knock && !(_v.AllowKnockRestricted && joinRule == JoinRules.KnockRestricted))
            {
                return Reject($"{r}.1", $"join rule '{joinRule}' does not allow knocking");
            }
            if (pdu.Sender != target)
            {
                return Reject($"{r}.2", "sender does not match state_key");
            }
            string current = MembershipOf(state, pdu.Sender);
            return current is Membership.Ban or Membership.Invite or Membership.Join
                ? Reject($"{r}.4", $"sender cannot knock from membership '{current}'")
                : AuthResult.Allowed;
        }

        private AuthResult CheckRedaction(long senderLevel)
        {
            string r = _n.Redaction.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (senderLevel >= Levels.Redact)
            {
                return AuthResult.Allowed;
            }
            if (pdu.Redacts is { } redacts && EventIdDomain(redacts) is { } domain && domain == EventIdDomain(pdu.EventId))
            {
                return AuthResult.Allowed;
            }
            return Reject($"{r}.3", "sender's power level is below the redact level and the redacted event is from another server");
        }

        private AuthResult CheckPowerLevels(long senderLevel)
        {
            string r = _n.PowerLevels.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string Clause(int c) => $"{r}.{c}";
            var content = pdu.Content;
            if (content.ValueKind != JsonValueKind.Object)
            {
                return Reject(r, "content is not an object");
            }

            // Named levels and the events/notifications maps must be readable as levels. v10+ says so explicitly
            // (rules 9.1, 9.2); earlier versions have no clause, but an unreadable level cannot be compared.
            int namedClause = _v.IntegerPowerLevels ? _n.PowerLevelsIntegerProperties : 0;
            var newNamed = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (string name in NamedLevels)
            {
                if (content.TryGetProperty(name, out var value))
                {
                    if (!PowerLevelValue.TryRead(value, _v, out long level))
                    {
                        return Reject(namedClause == 0 ? r : Clause(namedClause), $"'{name}' is not an integer");
                    }
                    newNamed[name] = level;
                }
            }
            int mapsClause = _v.IntegerPowerLevels ? _n.PowerLevelsIntegerMaps : 0;
            var newEvents = ReadLevelMap(content, "events", out bool eventsValid);
            var newNotifications = ReadLevelMap(content, "notifications", out bool notificationsValid);
            if (!eventsValid || !notificationsValid)
            {
                return Reject(mapsClause == 0 ? r : Clause(mapsClause),
                    $"'{(eventsValid ? "notifications" : "events")}' is not an object with integer values");
            }
            var newUsers = ReadLevelMap(content, "users", out bool usersValid);
            if (!usersValid)
            {
                return Reject(Clause(_n.PowerLevelsUsers), "'users' is not an object with integer values");
            }
            foreach (string user in newUsers.Keys)
            {
                if (!UserId.TryParse(user, out _))
                {
                    return Reject(Clause(_n.PowerLevelsUsers), $"'users' has a key that is not a user ID: '{user}'");
                }
            }
            if (_v.PrivilegedCreators)
            {
                foreach (var creator in Levels.Creators)
                {
                    if (newUsers.ContainsKey(creator.Value))
                    {
                        return Reject(Clause(_n.PowerLevelsCreatorsInUsers), $"'users' contains the room creator {creator}");
                    }
                }
            }

            var previous = state(PowerLevelsKey);
            if (previous is null)
            {
                return AuthResult.Allowed;
            }
            var old = previous.Content;
            foreach (string name in NamedLevels)
            {
                long? before = TryGetProperty(old, name, out var o) && PowerLevelValue.TryRead(o, _v, out long ol) ? ol : null;
                long? after = newNamed.TryGetValue(name, out long nl) ? nl : null;
                if (before == after)
                {
                    continue;
                }
                if (before > senderLevel)
                {
                    return Reject($"{Clause(_n.PowerLevelsNamed)}.1", $"sender cannot change '{name}' from {before}, above their level {senderLevel}");
                }
                if (after > senderLevel)
                {
                    return Reject($"{Clause(_n.PowerLevelsNamed)}.2", $"sender cannot set '{name}' to {after}, above their level {senderLevel}");
                }
            }

            var maps = new List<(string Name, Dictionary<string, long> Old, Dictionary<string, long> New)>
            {
                ("events", ReadLevelMap(old, "events", out _), newEvents),
            };
            // spec: rooms/v6 — the notifications map joins the "can't raise above your own level" rule.
            if (_v.LimitNotificationsPowerLevels)
            {
                maps.Add(("notifications", ReadLevelMap(old, "notifications", out _), newNotifications));
            }
            foreach (var (name, before, after) in maps)
            {
                foreach (var (key, level) in before)
                {
                    if ((!after.TryGetValue(key, out long now) || now != level) && level > senderLevel)
                    {
                        return Reject($"{Clause(_n.PowerLevelsMapsOld)}.1", $"sender cannot change {name}['{key}'] from {level}, above their level {senderLevel}");
                    }
                }
                foreach (var (key, level) in after)
                {
                    if ((!before.TryGetValue(key, out long was) || was != level) && level > senderLevel)
                    {
                        return Reject($"{Clause(_n.PowerLevelsMapsNew)}.1", $"sender cannot set {name}['{key}'] to {level}, above their level {senderLevel}");
                    }
                }
            }

            var oldUsers = ReadLevelMap(old, "users", out _);
            foreach (var (user, level) in oldUsers)
            {
                if (user == pdu.Sender.Value)
                {
                    continue;
                }
                if ((!newUsers.TryGetValue(user, out long now) || now != level) && level >= senderLevel)
                {
                    return Reject($"{Clause(_n.PowerLevelsUsersOld)}.1", $"sender cannot change the level of {user} ({level}), not below their own {senderLevel}");
                }
            }
            foreach (var (user, level) in newUsers)
            {
                if ((!oldUsers.TryGetValue(user, out long was) || was != level) && level > senderLevel)
                {
                    return Reject($"{Clause(_n.PowerLevelsUsersNew)}.1", $"sender cannot give {user} level {level}, above their own {senderLevel}");
                }
            }
            return AuthResult.Allowed;
        }

        /// <summary>Reads a map of levels; <paramref name="valid"/> is false if present and not an object of levels.</summary>
        private Dictionary<string, long> ReadLevelMap(JsonElement content, string name, out bool valid)
        {
            var map = new Dictionary<string, long>(StringComparer.Ordinal);
            valid = true;
            if (!TryGetProperty(content, name, out var obj))
            {
                return map;
            }
            if (obj.ValueKind != JsonValueKind.Object)
            {
                valid = false;
                return map;
            }
            foreach (var entry in obj.EnumerateObject())
            {
                if (!PowerLevelValue.TryRead(entry.Value, _v, out long level))
                {
                    valid = false;
                    continue;
                }
                map[entry.Name] = level;
            }
            return map;
        }
    }

    /// <summary>v12: the room ID is the create event's ID with <c>!</c> for <c>$</c>.</summary>
    public static bool RoomIdIsCreateEventId(RoomId roomId, EventId createEventId) =>
        roomId.Value.Length == createEventId.Value.Length
        && roomId.Value.AsSpan(1).SequenceEqual(createEventId.Value.AsSpan(1));

    /// <summary>The server part of a v1–v2 event ID (<c>$opaque:domain</c>).</summary>
    private static string? EventIdDomain(EventId id)
    {
        int colon = id.Value.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : id.Value[(colon + 1)..];
    }

    /// <summary>Whether the event JSON has a top-level property; unreadable JSON counts as having it, so that a
    /// create event whose bytes cannot be read is rejected rather than accepted.</summary>
    private static bool JsonHasTopLevelProperty(ReadOnlyMemory<byte> json, string name)
    {
        try
        {
            return ScanTopLevel(json.Span, name);
        }
        catch (JsonException)
        {
            return true;
        }
    }

    private static bool ScanTopLevel(ReadOnlySpan<byte> json, string name)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(name))
            {
                return true;
            }
            reader.Read();
            reader.Skip();
        }
        return false;
    }
}
