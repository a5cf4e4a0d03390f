using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Server.Configuration;
using Myelin.Server.Http;

namespace Myelin.Server.Rooms;

/// <summary>
/// Creates rooms for <c>POST /createRoom</c>: the create event, the creator's join, power levels, canonical alias,
/// the preset's state, <c>initial_state</c>, name and topic, then the invites — in the spec's order, each checked
/// by the auth rules. spec: client-server "POST /createRoom".
/// </summary>
public sealed class RoomCreator
{
    private readonly RoomEventWriter _writer;
    private readonly RoomEvents _events;
    private readonly RoomMembership _membership;
    private readonly ServerName _serverName;
    private readonly TimeProvider _time;

    public RoomCreator(RoomEventWriter writer, RoomEvents events, RoomMembership membership, MyelinConfig config, TimeProvider time)
    {
        _writer = writer;
        _events = events;
        _membership = membership;
        _serverName = config.ServerName;
        _time = time;
    }

    /// <summary>
    /// Creates the room and returns its ID. Throws <c>M_ROOM_IN_USE</c> for a taken alias, <c>M_INVALID_PARAM</c> for an
    /// invalid one, and <c>M_INVALID_ROOM_STATE</c> when the requested state is refused by the auth rules.
    /// </summary>
    public async Task<RoomId> CreateAsync(UserId creator, RoomCreationOptions options, CancellationToken cancellationToken)
    {
        var database = _events.Database;
        var version = options.Version;

        RoomAlias? alias = null;
        if (options.AliasLocalpart is { } localpart)
        {
            if (localpart.Length == 0 || localpart.Any(c => char.IsWhiteSpace(c) || c == ':') ||
                !RoomAlias.TryParse($"#{localpart}:{_serverName.Value}", out var parsed))
            {
                throw MatrixException.InvalidParam($"'room_alias_name' is not a valid alias localpart: '{localpart}'.");
            }
            if (await database.RoomAliases.ResolveAsync(parsed, cancellationToken) is not null)
            {
                throw MatrixException.RoomInUse($"Room alias {parsed} is already taken.");
            }
            alias = parsed;
        }
        foreach (var invitee in options.Invite)
        {
            // Users of other servers are checked by their server when it countersigns the invite (step 8).
            if (invitee.Server == _serverName && !await database.Users.ExistsAsync(invitee, cancellationToken))
            {
                throw MatrixException.NotFound($"User {invitee} does not exist.");
            }
        }

        bool trusted = options.Preset == RoomPresets.TrustedPrivateChat;
        var invitees = options.Invite.Where(u => u != creator).Distinct().ToArray();
        var createContent = BuildCreateContent(creator, options, version, trusted ? invitees : []);
        var creators = CreatorsOf(creator, createContent, version);

        var initialState = options.InitialState.ToList();
        int plIndex = initialState.FindLastIndex(e => e.Type == EventTypes.PowerLevels && e.StateKey.Length == 0);
        JsonObject? initialPowerLevels = plIndex >= 0 ? initialState[plIndex].Content : null;
        initialState.RemoveAll(e => e.Type == EventTypes.PowerLevels && e.StateKey.Length == 0);
        var powerLevels = BuildPowerLevels(creator, options, version, creators, trusted ? invitees : [], initialPowerLevels);

        var roomId = await _writer.CreateRoomAsync(version, creator, Element(createContent), cancellationToken);
        try
        {
            // 2. The creator joins.
            await _membership.SendMemberEventAsync(creator, roomId, creator, Membership.Join, reason: null, extra: null, cancellationToken);
            // 3. Power levels.
            await SendStateAsync(roomId, creator, EventTypes.PowerLevels, "", powerLevels, cancellationToken);
            // 4. The canonical alias.
            if (alias is { } a)
            {
                if (!await database.RoomAliases.CreateAsync(a, roomId, creator, _time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken))
                {
                    throw MatrixException.RoomInUse($"Room alias {a} is already taken.");
                }
                await SendStateAsync(roomId, creator, EventTypes.CanonicalAlias, "", new JsonObject { ["alias"] = a.Value }, cancellationToken);
            }
            // 5. The preset's state, unless initial_state sets the same key (it takes precedence).
            foreach (var (type, content) in PresetState(options.Preset))
            {
                if (!initialState.Any(e => e.Type == type && e.StateKey.Length == 0))
                {
                    await SendStateAsync(roomId, creator, type, "", content, cancellationToken);
                }
            }
            // 6. initial_state, in order.
            foreach (var e in initialState)
            {
                await SendStateAsync(roomId, creator, e.Type, e.StateKey, e.Content, cancellationToken);
            }
            // 7. Name and topic.
            if (options.Name is { } name)
            {
                await SendStateAsync(roomId, creator, EventTypes.Name, "", new JsonObject { ["name"] = name }, cancellationToken);
            }
            if (options.Topic is { } topic)
            {
                var content = new JsonObject
                {
                    ["topic"] = topic,
                    // spec: m.room.topic: the text/plain representation in m.topic.
                    ["m.topic"] = new JsonObject { ["m.text"] = new JsonArray(new JsonObject { ["body"] = topic, ["mimetype"] = "text/plain" }) },
                };
                await SendStateAsync(roomId, creator, EventTypes.Topic, "", content, cancellationToken);
            }
            // 8. Invites of local users (those of other servers follow, outside this block: their server's refusal is
            // not an invalid initial state).
            foreach (var invitee in invitees.Where(u => u.Server == _serverName))
            {
                var extra = options.IsDirect ? new JsonObject { ["is_direct"] = true } : null;
                await _membership.SendMemberEventAsync(creator, roomId, invitee, Membership.Invite, reason: null, extra, cancellationToken);
            }
        }
        catch (MatrixException e) when (e.ErrCode == MatrixErrorCodes.Forbidden)
        {
            // spec: "the initial state implied by the parameters to the request is invalid" → M_INVALID_ROOM_STATE.
            throw MatrixException.InvalidRoomState($"The requested initial state is not allowed: {e.Message}");
        }
        // spec: server-server "Inviting to a room": each remote invitee's server countersigns its invite. A refusal or an
        // unreachable server fails the request, as in Synapse; the room exists by then and the invite can be retried.
        foreach (var invitee in invitees.Where(u => u.Server != _serverName))
        {
            await _membership.InviteAsync(creator, roomId, invitee, reason: null, options.IsDirect, cancellationToken);
        }

        if (options.Publish)
        {
            await database.Rooms.SetPublicAsync(roomId, true, cancellationToken);
        }
        return roomId;
    }

    /// <summary>The default power levels (Synapse's), with the spec's room-version rules and the client's override on top.</summary>
    public static JsonObject DefaultPowerLevels(UserId creator, RoomVersion version, string preset)
    {
        var users = new JsonObject();
        if (!version.PrivilegedCreators)
        {
            // spec: in v1–v11 the creator (and not other members) may send state; v12 creators are implicit.
            users[creator.Value] = 100;
        }
        return new JsonObject
        {
            ["users"] = users,
            ["users_default"] = 0,
            ["events"] = new JsonObject
            {
                [EventTypes.Name] = 50,
                [EventTypes.PowerLevels] = 100,
                [EventTypes.HistoryVisibility] = 100,
                [EventTypes.CanonicalAlias] = 50,
                [EventTypes.Avatar] = 50,
                // spec: in v12 the tombstone level MUST be higher than state_default (creators upgrade rooms).
                [EventTypes.Tombstone] = version.PrivilegedCreators ? 150 : 100,
                [EventTypes.ServerAcl] = 100,
                [EventTypes.Encryption] = 100,
            },
            ["events_default"] = 0,
            ["state_default"] = 50,
            ["ban"] = 50,
            ["kick"] = 50,
            ["redact"] = 50,
            // Private rooms let any member invite (as Synapse's presets do); public rooms need moderators.
            ["invite"] = preset == RoomPresets.PublicChat ? 50 : 0,
        };
    }

    /// <summary>The state a preset implies. spec: "POST /createRoom" preset table.</summary>
    public static IReadOnlyList<(string Type, JsonObject Content)> PresetState(string preset) =>
    [
        (EventTypes.JoinRules, new JsonObject { ["join_rule"] = preset == RoomPresets.PublicChat ? JoinRules.Public : JoinRules.Invite }),
        (EventTypes.HistoryVisibility, new JsonObject { ["history_visibility"] = "shared" }),
        (EventTypes.GuestAccess, new JsonObject { ["guest_access"] = preset == RoomPresets.PublicChat ? "forbidden" : "can_join" }),
    ];

    private static JsonObject BuildCreateContent(UserId creator, RoomCreationOptions options, RoomVersion version, IReadOnlyList<UserId> trustedInvitees)
    {
        var content = options.CreationContent?.DeepClone().AsObject() ?? new JsonObject();
        // spec: the server overwrites creator and room_version; v11+ has no creator key at all.
        content.Remove("creator");
        if (!version.CreatorIsSender)
        {
            content["creator"] = creator.Value;
        }
        content["room_version"] = version.Id;
        if (!version.PrivilegedCreators)
        {
            return content;
        }
        var additional = new List<UserId>();
        if (content.TryGetPropertyValue("additional_creators", out var node) && node is not null)
        {
            if (node is not JsonArray array)
            {
                throw MatrixException.BadJson("'creation_content.additional_creators' must be an array of user IDs.");
            }
            foreach (var item in array)
            {
                if (item is null || item.GetValueKind() != JsonValueKind.String || !UserId.TryParse(item.GetValue<string>(), out var id))
                {
                    throw MatrixException.BadJson("'creation_content.additional_creators' must be an array of user IDs.");
                }
                additional.Add(id);
            }
        }
        // spec: for trusted_private_chat the invitees join additional_creators (deduplicated).
        additional.AddRange(trustedInvitees);
        var distinct = additional.Where(u => u != creator).Distinct().ToArray();
        if (distinct.Length > 0 || content.ContainsKey("additional_creators"))
        {
            content["additional_creators"] = new JsonArray([.. distinct.Select(u => (JsonNode)u.Value)]);
        }
        return content;
    }

    private static HashSet<UserId> CreatorsOf(UserId creator, JsonObject createContent, RoomVersion version)
    {
        var creators = new HashSet<UserId> { creator };
        if (version.PrivilegedCreators && createContent["additional_creators"] is JsonArray extra)
        {
            foreach (var item in extra)
            {
                creators.Add(UserId.Parse(item!.GetValue<string>()));
            }
        }
        return creators;
    }

    private static JsonObject BuildPowerLevels(UserId creator, RoomCreationOptions options, RoomVersion version, HashSet<UserId> creators,
        IReadOnlyList<UserId> trustedInvitees, JsonObject? initialPowerLevels)
    {
        var content = initialPowerLevels?.DeepClone().AsObject() ?? DefaultPowerLevels(creator, version, options.Preset);
        if (!version.PrivilegedCreators && trustedInvitees.Count > 0)
        {
            // spec: trusted_private_chat gives every invitee the creator's power level.
            var users = content["users"] as JsonObject ?? new JsonObject();
            content["users"] = users;
            foreach (var invitee in trustedInvitees)
            {
                users[invitee.Value] = 100;
            }
        }
        if (options.PowerLevelContentOverride is { } overrides)
        {
            foreach (var (key, value) in overrides)
            {
                content[key] = value?.DeepClone();
            }
        }
        if (version.PrivilegedCreators && content["users"] is JsonObject listed)
        {
            foreach (var c in creators)
            {
                if (listed.ContainsKey(c.Value))
                {
                    throw MatrixException.InvalidRoomState(
                        $"In room version {version.Id} room creators have infinite power and must not be listed in power levels 'users' ({c}).");
                }
            }
        }
        return content;
    }

    private Task<SentEvent> SendStateAsync(RoomId roomId, UserId sender, string type, string stateKey, JsonObject content, CancellationToken cancellationToken) =>
        _writer.SendAsync(new NewEvent(roomId, sender, type, Element(content)) { StateKey = stateKey }, cancellationToken);

    private static JsonElement Element(JsonObject content) => JsonElement.Parse(content.ToJsonString());
}
