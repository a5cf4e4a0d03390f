using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
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
    private readonly ServerName _serverName;

    public RoomMembership(RoomEventWriter writer, RoomEvents events, MyelinConfig config)
    {
        _writer = writer;
        _events = events;
        _serverName = config.ServerName;
    }

    /// <summary>
    /// Resolves <c>/join/{roomIdOrAlias}</c>'s target to a room this server has. Rooms and aliases of other
    /// servers need federation, which Myelin does not do yet: they are <c>404 M_NOT_FOUND</c> saying so.
    /// </summary>
    public async Task<RoomId> ResolveRoomAsync(string roomIdOrAlias, CancellationToken cancellationToken)
    {
        if (roomIdOrAlias.StartsWith('#'))
        {
            if (!RoomAlias.TryParse(roomIdOrAlias, out var alias))
            {
                throw MatrixException.InvalidParam($"'{roomIdOrAlias}' is not a valid room alias.");
            }
            if (alias.Server != _serverName)
            {
                throw FederationUnavailable($"Room alias {alias} belongs to another server");
            }
            var record = await _events.Database.RoomAliases.ResolveAsync(alias, cancellationToken)
                ?? throw MatrixException.NotFound($"Room alias {alias} not found.");
            return record.RoomId;
        }
        if (!RoomId.TryParse(roomIdOrAlias, out var roomId))
        {
            throw MatrixException.InvalidParam($"'{roomIdOrAlias}' is neither a room ID nor a room alias.");
        }
        await RequireKnownRoomAsync(roomId, cancellationToken);
        return roomId;
    }

    /// <summary>Throws <c>404 M_NOT_FOUND</c> for a room this server does not have.</summary>
    public async Task RequireKnownRoomAsync(RoomId roomId, CancellationToken cancellationToken)
    {
        if (await _events.GetRoomVersionAsync(roomId, cancellationToken) is null)
        {
            throw roomId.Server is { } server && server != _serverName
                ? FederationUnavailable($"Room {roomId} is not on this server")
                : MatrixException.NotFound($"Unknown room {roomId}.");
        }
    }

    /// <summary>
    /// Joins the user to the room. Guests may join only where <c>m.room.guest_access</c> is <c>can_join</c>.
    /// spec: client-server "POST /rooms/{roomId}/join", "Guest access".
    /// </summary>
    public async Task<SentEvent> JoinAsync(UserId user, RoomId roomId, string? reason, bool isGuest, CancellationToken cancellationToken)
    {
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
            // An invite to a remote user must be sent to (and signed by) their server: that is federation.
            throw new MatrixException(MatrixErrorCodes.Forbidden,
                $"Cannot invite {target}: inviting users of other servers needs federation, which is not available on this server yet.", 403);
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
    public async Task<SentEvent> KnockAsync(UserId user, RoomId roomId, string? reason, CancellationToken cancellationToken)
    {
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

    private static MatrixException FederationUnavailable(string what) =>
        MatrixException.NotFound($"{what}; reaching other servers needs federation, which is not available on this server yet.");

    private static string? ReadString(JsonElement content, string name) =>
        content.ValueKind == JsonValueKind.Object && content.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
