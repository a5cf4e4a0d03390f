using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Membership;
using Myelin.Server.Http;

namespace Myelin.Server.Rooms;

/// <summary>
/// Membership changes of local users: join, invite, leave (and rejecting invites), kick, ban, unban, knock.
/// Every change is an <c>m.room.member</c> event sent through <see cref="RoomEventWriter"/>, so the room
/// version's auth rules decide (a refusal is <c>M_FORBIDDEN</c> naming the rule). Join, invite and knock
/// events carry the target's profile. spec: client-server "Room membership", "m.room.member".
/// </summary>
public sealed class RoomMembership
{
    private readonly RoomEventWriter _writer;
    private readonly RoomEvents _events;
    private readonly RemoteMembership _remote;
    private readonly ServerName _serverName;

    public RoomMembership(RoomEventWriter writer, RoomEvents events, RemoteMembership remote, MyelinConfig config)
    {
        _writer = writer;
        _events = events;
        _remote = remote;
        _serverName = config.ServerName;
    }

    /// <summary>
    /// Resolves <c>/join/{roomIdOrAlias}</c>'s (or <c>/knock</c>'s) target: a room ID as is, a local alias from the
    /// directory, another server's alias over federation (<c>GET /query/directory</c>). Also returns the servers the
    /// alias's server named as able to help join the room (empty for room IDs and local aliases).
    /// </summary>
    public async Task<(RoomId RoomId, IReadOnlyList<ServerName> Servers)> ResolveRoomAsync(string roomIdOrAlias, CancellationToken cancellationToken)
    {
        if (roomIdOrAlias.StartsWith('#'))
        {
            if (!RoomAlias.TryParse(roomIdOrAlias, out var alias))
            {
                throw MatrixException.InvalidParam($"'{roomIdOrAlias}' is not a valid room alias.");
            }
            if (alias.Server != _serverName)
            {
                return await _remote.ResolveAliasAsync(alias, cancellationToken);
            }
            var record = await _events.Database.RoomAliases.ResolveAsync(alias, cancellationToken)
                ?? throw MatrixException.NotFound($"Room alias {alias} not found.");
            return (record.RoomId, []);
        }
        if (!RoomId.TryParse(roomIdOrAlias, out var roomId))
        {
            throw MatrixException.InvalidParam($"'{roomIdOrAlias}' is neither a room ID nor a room alias.");
        }
        return (roomId, []);
    }

    /// <summary>
    /// The servers to ask for a room this server is not in: <paramref name="via"/> (the client's <c>via</c> /
    /// <c>server_name</c>, or an alias's servers), then the room ID's server, then the server of whoever invited the user.
    /// spec: client-server "POST /join/{roomIdOrAlias}" via; server-server "Joining Rooms" (the invite's origin as candidate).
    /// </summary>
    private async Task<IReadOnlyList<ServerName>> CandidateServersAsync(UserId user, RoomId roomId, IReadOnlyList<ServerName>? via, CancellationToken cancellationToken)
    {
        var servers = new List<ServerName>(via ?? []);
        if (roomId.Server is { } roomServer)
        {
            servers.Add(roomServer);
        }
        var membership = await _events.Database.Memberships.GetMembershipAsync(roomId, user, cancellationToken);
        if (membership is not null && await _events.GetPduAsync(membership.EventId, cancellationToken) is { } member)
        {
            servers.Add(member.Sender.Server);
            // A remote invite or knock keeps the room's stripped state: its senders' servers were in the room.
            if (member.Root.TryGetProperty("unsigned", out var unsignedData) && unsignedData.ValueKind == JsonValueKind.Object)
            {
                foreach (string name in (string[])["invite_room_state", "knock_room_state"])
                {
                    if (unsignedData.TryGetProperty(name, out var stripped) && stripped.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var item in stripped.EnumerateArray())
                        {
                            if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("sender", out var sender)
                                && sender.ValueKind == JsonValueKind.String && UserId.TryParse(sender.GetString(), out var senderId))
                            {
                                servers.Add(senderId.Server);
                            }
                        }
                    }
                }
            }
        }
        return servers.Where(s => s != _serverName).Distinct().ToList();
    }

    /// <summary>Throws <c>404 M_NOT_FOUND</c> for a room this server does not have.</summary>
    public async Task RequireKnownRoomAsync(RoomId roomId, CancellationToken cancellationToken)
    {
        if (await _events.GetRoomVersionAsync(roomId, cancellationToken) is null)
        {
            throw MatrixException.NotFound($"Unknown room {roomId}.");
        }
    }

    /// <summary>
    /// Joins the user to the room. Guests may join only where <c>m.room.guest_access</c> is <c>can_join</c>.
    /// spec: client-server "POST /rooms/{roomId}/join", "Guest access".
    /// </summary>
    public async Task<SentEvent> JoinAsync(UserId user, RoomId roomId, string? reason, bool isGuest, CancellationToken cancellationToken,
        IReadOnlyList<ServerName>? via = null)
    {
        if (!await _remote.IsResidentAsync(roomId, cancellationToken) && roomId.Server != _serverName)
        {
            // spec: server-server "Joining Rooms": a room this server is not in is joined through a resident server.
            if (isGuest)
            {
                throw MatrixException.GuestAccessForbidden("Guests cannot join rooms on other servers.");
            }
            var servers = await CandidateServersAsync(user, roomId, via, cancellationToken);
            var eventId = await _remote.JoinAsync(user, roomId, servers, await MemberContentAsync(user, Membership.Join, reason, cancellationToken), cancellationToken);
            return new SentEvent(eventId, default, Deduplicated: false);
        }
        await RequireKnownRoomAsync(roomId, cancellationToken);
        var state = await _writer.GetCurrentStateAsync(roomId, cancellationToken);
        if (isGuest)
        {
            string? guestAccess = state.TryGetValue(new StateKey(EventTypes.GuestAccess, ""), out var ga) ? ReadString(ga.Content, "guest_access") : null;
            if (guestAccess != "can_join")
            {
                throw MatrixException.GuestAccessForbidden("Guests may not join this room (m.room.guest_access is not can_join).");
            }
        }
        if (AuthRules.MembershipOf(key => state.GetValueOrDefault(key), user) == Membership.Ban)
        {
            throw MatrixException.Forbidden($"You are banned from {roomId}.");
        }
        return await SendMemberEventAsync(user, roomId, user, Membership.Join, reason, extra: null, cancellationToken);
    }

    /// <summary>Invites <paramref name="target"/>; with <paramref name="isDirect"/> the invite says it is a direct chat.</summary>
    public async Task<SentEvent> InviteAsync(UserId sender, RoomId roomId, UserId target, string? reason, bool isDirect, CancellationToken cancellationToken)
    {
        await RequireKnownRoomAsync(roomId, cancellationToken);
        if (target.Server != _serverName)
        {
            // spec: server-server "Inviting to a room": the invitee's server must countersign the invite.
            var content = isDirect ? new JsonObject { ["is_direct"] = true } : new JsonObject();
            if (reason is not null)
            {
                content["reason"] = reason;
            }
            var eventId = await _remote.InviteAsync(sender, roomId, target, content, cancellationToken);
            return new SentEvent(eventId, default, Deduplicated: false);
        }
        if (!await _events.Database.Users.ExistsAsync(target, cancellationToken))
        {
            throw MatrixException.NotFound($"User {target} does not exist.");
        }
        var extra = isDirect ? new JsonObject { ["is_direct"] = true } : null;
        return await SendMemberEventAsync(sender, roomId, target, Membership.Invite, reason, extra, cancellationToken);
    }

    /// <summary>Leaves the room, or rejects an invite, or withdraws a knock. spec: "POST /rooms/{roomId}/leave".</summary>
    public async Task<SentEvent> LeaveAsync(UserId user, RoomId roomId, string? reason, CancellationToken cancellationToken)
    {
        if (!await _remote.IsResidentAsync(roomId, cancellationToken)
            && await _events.Database.Memberships.GetMembershipAsync(roomId, user, cancellationToken) is { Membership: Membership.Invite or Membership.Knock } pending
            && (await _events.Database.State.GetCurrentStateGroupAsync(roomId, cancellationToken) is null
                || (await _events.GetPduAsync(pending.EventId, cancellationToken))?.Sender.Server != _serverName))
        {
            // spec: server-server "Leaving Rooms (Rejecting Invites)": a remote invite or knock is answered through a resident server.
            var servers = await CandidateServersAsync(user, roomId, via: null, cancellationToken);
            var eventId = await _remote.LeaveAsync(user, roomId, servers, await MemberContentAsync(user, Membership.Leave, reason, cancellationToken), cancellationToken);
            return new SentEvent(eventId, default, Deduplicated: false);
        }
        await RequireKnownRoomAsync(roomId, cancellationToken);
        return await SendMemberEventAsync(user, roomId, user, Membership.Leave, reason, extra: null, cancellationToken);
    }

    /// <summary>Kicks <paramref name="target"/> (a leave sent by someone else). spec: "POST /rooms/{roomId}/kick".</summary>
    public async Task<SentEvent> KickAsync(UserId sender, RoomId roomId, UserId target, string? reason, CancellationToken cancellationToken)
    {
        await RequireKnownRoomAsync(roomId, cancellationToken);
        var state = await _writer.GetCurrentStateAsync(roomId, cancellationToken);
        string current = AuthRules.MembershipOf(key => state.GetValueOrDefault(key), target);
        if (current is not (Membership.Join or Membership.Invite or Membership.Knock))
        {
            // Synapse answers the same: kicking someone who is not in the room would be an unban.
            throw MatrixException.Forbidden($"{target} is not in the room (membership '{current}').");
        }
        return await SendMemberEventAsync(sender, roomId, target, Membership.Leave, reason, extra: null, cancellationToken);
    }

    public async Task<SentEvent> BanAsync(UserId sender, RoomId roomId, UserId target, string? reason, CancellationToken cancellationToken)
    {
        await RequireKnownRoomAsync(roomId, cancellationToken);
        return await SendMemberEventAsync(sender, roomId, target, Membership.Ban, reason, extra: null, cancellationToken);
    }

    /// <summary>Unbans <paramref name="target"/>: their membership becomes <c>leave</c>. spec: "POST /rooms/{roomId}/unban".</summary>
    public async Task<SentEvent> UnbanAsync(UserId sender, RoomId roomId, UserId target, string? reason, CancellationToken cancellationToken)
    {
        await RequireKnownRoomAsync(roomId, cancellationToken);
        var state = await _writer.GetCurrentStateAsync(roomId, cancellationToken);
        if (AuthRules.MembershipOf(key => state.GetValueOrDefault(key), target) != Membership.Ban)
        {
            throw MatrixException.Forbidden($"{target} is not banned from the room.");
        }
        return await SendMemberEventAsync(sender, roomId, target, Membership.Leave, reason, extra: null, cancellationToken);
    }

    /// <summary>Knocks on the room (room versions 7 and later). spec: client-server "Knocking on rooms".</summary>
    public async Task<SentEvent> KnockAsync(UserId user, RoomId roomId, string? reason, CancellationToken cancellationToken,
        IReadOnlyList<ServerName>? via = null)
    {
        if (!await _remote.IsResidentAsync(roomId, cancellationToken) && roomId.Server != _serverName)
        {
            // spec: server-server "Knocking upon a room": the knock is sent through a resident server.
            var servers = await CandidateServersAsync(user, roomId, via, cancellationToken);
            var eventId = await _remote.KnockAsync(user, roomId, servers, await MemberContentAsync(user, Membership.Knock, reason, cancellationToken), cancellationToken);
            return new SentEvent(eventId, default, Deduplicated: false);
        }
        await RequireKnownRoomAsync(roomId, cancellationToken);
        var version = await _events.GetRoomVersionAsync(roomId, cancellationToken);
        if (version is { AllowKnocking: false })
        {
            throw MatrixException.Forbidden($"Room version {version.Id} does not support knocking.");
        }
        var state = await _writer.GetCurrentStateAsync(roomId, cancellationToken);
        string current = AuthRules.MembershipOf(key => state.GetValueOrDefault(key), user);
        if (current is Membership.Join or Membership.Invite or Membership.Ban)
        {
            throw MatrixException.Forbidden($"You cannot knock: your membership is already '{current}'.");
        }
        return await SendMemberEventAsync(user, roomId, user, Membership.Knock, reason, extra: null, cancellationToken);
    }

    /// <summary>
    /// Forgets a room the user is no longer joined to: it leaves their room lists (sync) until their membership
    /// changes again. Joined users must leave first: <c>400 M_UNKNOWN</c>. spec: client-server "POST /rooms/{roomId}/forget".
    /// </summary>
    public async Task ForgetAsync(UserId user, RoomId roomId, CancellationToken cancellationToken)
    {
        await RequireKnownRoomAsync(roomId, cancellationToken);
        var database = _events.Database;
        var membership = await database.Memberships.GetMembershipAsync(roomId, user, cancellationToken);
        if (membership is null)
        {
            // Never a member: nothing to forget (Synapse answers the same way).
            return;
        }
        if (membership.Membership == Membership.Join)
        {
            throw MatrixException.Unknown($"You are still joined to {roomId}: leave it before forgetting it.", 400);
        }
        await database.ForgottenRooms.ForgetAsync(user, roomId, membership.EventId, cancellationToken);
    }

    /// <summary>
    /// Sends an <c>m.room.member</c> event for <paramref name="target"/>. For join, invite and knock a local target's
    /// display name and avatar fill <c>displayname</c> / <c>avatar_url</c> unless the content already has them.
    /// </summary>
    public async Task<SentEvent> SendMemberEventAsync(UserId sender, RoomId roomId, UserId target, string membership, string? reason,
        JsonObject? extra, CancellationToken cancellationToken)
    {
        var content = extra?.DeepClone().AsObject() ?? new JsonObject();
        content["membership"] = membership;
        if (reason is not null)
        {
            content["reason"] = reason;
        }
        await AddProfileAsync(content, target, cancellationToken);
        var request = new NewEvent(roomId, sender, EventTypes.Member, JsonElement.Parse(content.ToJsonString())) { StateKey = target.Value };
        return await _writer.SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// spec: client-server "m.room.member": <c>displayname</c> and <c>avatar_url</c> of the target, for join, invite and
    /// knock events of local users (as Synapse fills them).
    /// </summary>
    public async Task AddProfileAsync(JsonObject content, UserId target, CancellationToken cancellationToken)
    {
        string? membership = content["membership"]?.GetValueKind() == JsonValueKind.String ? content["membership"]!.GetValue<string>() : null;
        if (membership is not (Membership.Join or Membership.Invite or Membership.Knock) || target.Server != _serverName)
        {
            return;
        }
        if (content.ContainsKey("displayname") && content.ContainsKey("avatar_url"))
        {
            return;
        }
        var profile = await _events.Database.Profiles.GetAsync(target, cancellationToken);
        if (profile is null)
        {
            return;
        }
        if (!content.ContainsKey("displayname") && profile.DisplayName is { } name)
        {
            content["displayname"] = name;
        }
        if (!content.ContainsKey("avatar_url") && profile.AvatarUrl is { } avatar)
        {
            content["avatar_url"] = avatar;
        }
    }

    private async Task<JsonObject> MemberContentAsync(UserId user, string membership, string? reason, CancellationToken cancellationToken)
    {
        var content = new JsonObject { ["membership"] = membership };
        if (reason is not null)
        {
            content["reason"] = reason;
        }
        await AddProfileAsync(content, user, cancellationToken);
        return content;
    }

    private static string? ReadString(JsonElement content, string name) =>
        content.ValueKind == JsonValueKind.Object && content.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
