using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Http;
using Myelin.Storage.Rooms;

namespace Myelin.Server.Rooms;

/// <summary>
/// Local room aliases: creating, resolving and deleting them, and the power checks around them.
/// spec: client-server "Room aliases"; openapi directory.yaml.
/// </summary>
public sealed class RoomAliasDirectory
{
    private readonly RoomEventWriter _writer;
    private readonly RoomEvents _events;
    private readonly RoomMembership _membership;
    private readonly ServerName _serverName;
    private readonly TimeProvider _time;

    public RoomAliasDirectory(RoomEventWriter writer, RoomEvents events, RoomMembership membership, MyelinConfig config, TimeProvider time)
    {
        _writer = writer;
        _events = events;
        _membership = membership;
        _serverName = config.ServerName;
        _time = time;
    }

    /// <summary>Parses an alias of this server; anything else is <c>400 M_INVALID_PARAM</c> (spec: "not a valid room alias").</summary>
    public RoomAlias ParseLocal(string value)
    {
        if (!RoomAlias.TryParse(value, out var alias))
        {
            throw MatrixException.InvalidParam($"'{value}' is not a valid room alias.");
        }
        if (alias.Server != _serverName)
        {
            throw MatrixException.InvalidParam($"Room alias {alias} does not belong to this server ({_serverName}).");
        }
        return alias;
    }

    /// <summary>
    /// Maps the alias to the room. The requester must be joined to the room. A taken alias is <c>409 M_UNKNOWN</c>
    /// (spec: directory.yaml "A room alias with that name already exists").
    /// </summary>
    public async Task CreateAsync(UserId requester, RoomAlias alias, RoomId roomId, CancellationToken cancellationToken)
    {
        await _membership.RequireKnownRoomAsync(roomId, cancellationToken);
        var membership = await _events.Database.Memberships.GetMembershipAsync(roomId, requester, cancellationToken);
        if (membership?.Membership != Membership.Join)
        {
            throw MatrixException.Forbidden($"You must be joined to {roomId} to give it an alias.");
        }
        if (!await _events.Database.RoomAliases.CreateAsync(alias, roomId, requester, _time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken))
        {
            throw new MatrixException(MatrixErrorCodes.Unknown, $"Room alias {alias} already exists.", 409);
        }
    }

    /// <summary>
    /// Resolves an alias to its room and servers that can help join it: ours from the directory, another server's by asking
    /// it (<c>GET /_matrix/federation/v1/query/directory</c>). spec: client-server "GET /directory/room/{roomAlias}".
    /// </summary>
    public async Task<(RoomId RoomId, IReadOnlyList<ServerName> Servers)> ResolveAsync(string value, CancellationToken cancellationToken)
    {
        if (!RoomAlias.TryParse(value, out var alias))
        {
            throw MatrixException.InvalidParam($"'{value}' is not a valid room alias.");
        }
        if (alias.Server != _serverName)
        {
            var (remoteRoom, servers) = await _membership.ResolveRoomAsync(alias.Value, cancellationToken);
            return (remoteRoom, servers.Count > 0 ? servers : [alias.Server]);
        }
        var record = await _events.Database.RoomAliases.ResolveAsync(alias, cancellationToken)
            ?? throw MatrixException.NotFound($"Room alias {alias} not found.");
        return (record.RoomId, [_serverName]);
    }

    /// <summary>
    /// Deletes the alias: allowed to its creator, server admins, and room members with the power to change the
    /// canonical alias (as Synapse). When it was the canonical alias (or an alt alias), it is removed from that event too.
    /// </summary>
    public async Task DeleteAsync(UserId requester, bool isAdmin, RoomAlias alias, CancellationToken cancellationToken)
    {
        var database = _events.Database;
        var record = await database.RoomAliases.ResolveAsync(alias, cancellationToken)
            ?? throw MatrixException.NotFound($"Room alias {alias} not found.");
        if (record.Creator != requester && !isAdmin && !await CanChangeCanonicalAliasAsync(requester, record.RoomId, cancellationToken))
        {
            throw MatrixException.Forbidden("Only the alias's creator, a room moderator or a server admin may delete it.");
        }
        await database.RoomAliases.DeleteAsync(alias, cancellationToken);
        await RemoveFromCanonicalAliasAsync(requester, record.RoomId, alias, cancellationToken);
    }

    /// <summary>Whether the user is joined and may send <c>m.room.canonical_alias</c> (the room's "admin" for directory purposes).</summary>
    public async Task<bool> CanChangeCanonicalAliasAsync(UserId user, RoomId roomId, CancellationToken cancellationToken)
    {
        var version = await _events.GetRoomVersionAsync(roomId, cancellationToken);
        if (version is null)
        {
            return false;
        }
        var state = await _writer.GetCurrentStateAsync(roomId, cancellationToken);
        if (AuthRules.MembershipOf(key => state.GetValueOrDefault(key), user) != Membership.Join)
        {
            return false;
        }
        var levels = PowerLevels.From(state.GetValueOrDefault(new StateKey(EventTypes.PowerLevels, "")), state.GetValueOrDefault(new StateKey(EventTypes.Create, "")), version);
        return levels.CanSend(user, EventTypes.CanonicalAlias, isState: true);
    }

    private async Task RemoveFromCanonicalAliasAsync(UserId requester, RoomId roomId, RoomAlias alias, CancellationToken cancellationToken)
    {
        var state = await _writer.GetCurrentStateAsync(roomId, cancellationToken);
        if (!state.TryGetValue(new StateKey(EventTypes.CanonicalAlias, ""), out var current) || current.Content.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        var content = JsonNode.Parse(current.Content.GetRawText())!.AsObject();
        bool changed = false;
        if (content["alias"]?.GetValueKind() == JsonValueKind.String && content["alias"]!.GetValue<string>() == alias.Value)
        {
            content.Remove("alias");
            changed = true;
        }
        if (content["alt_aliases"] is JsonArray alts)
        {
            var kept = alts.Where(a => !(a?.GetValueKind() == JsonValueKind.String && a.GetValue<string>() == alias.Value)).Select(a => a?.DeepClone()).ToArray();
            if (kept.Length != alts.Count)
            {
                content["alt_aliases"] = new JsonArray(kept);
                changed = true;
            }
        }
        if (!changed || !await CanChangeCanonicalAliasAsync(requester, roomId, cancellationToken))
        {
            // spec: delete the alias and succeed even if the user may not update m.room.canonical_alias.
            return;
        }
        await _writer.SendAsync(new NewEvent(roomId, requester, EventTypes.CanonicalAlias, JsonElement.Parse(content.ToJsonString())) { StateKey = "" }, cancellationToken);
    }
}
