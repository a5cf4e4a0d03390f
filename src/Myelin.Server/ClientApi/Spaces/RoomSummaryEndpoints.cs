using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Queries;
using Myelin.Server.Http;
using Myelin.Server.Rooms;
using Myelin.Server.Visibility;
using Myelin.Storage;

namespace Myelin.Server.ClientApi.Spaces;

/// <summary>
/// GET /v1/room_summary/{roomIdOrAlias} (spec v1.15, room_summary.yaml): the summary of a room the requester may
/// preview. The access token is optional: without one only rooms with a public/knock/knock_restricted join rule or
/// world-readable history are summarised ("Servers MAY allow unauthenticated access").
/// </summary>
public static class RoomSummaryEndpoints
{
    public static IEndpointRouteBuilder MapRoomSummaryApi(this IEndpointRouteBuilder app)
    {
        app.MapV1("GET", "/room_summary/{roomIdOrAlias}", GetRoomSummaryAsync);
        return app;
    }

    private static async Task<IResult> GetRoomSummaryAsync(string roomIdOrAlias, HttpContext context, AccessTokenAuthenticator authenticator,
        RoomSummaries summaries, MyelinDatabase database, RoomAliasDirectory aliases, RemoteRoomQueries remote, MyelinConfig config,
        CancellationToken cancellationToken)
    {
        var servers = new List<ServerName>();
        foreach (string? via in context.Request.Query["via"])
        {
            if (!ServerName.TryParse(via, out var server))
            {
                throw MatrixException.InvalidParam($"'via' must be server names; '{via}' is not one.");
            }
            servers.Add(server);
        }
        // A token is optional, but one that is sent must be valid (an unknown token is 401, never silently anonymous).
        Requester? requester = AccessTokens.Read(context.Request) is null ? null : await authenticator.AuthenticateAsync(context);

        RoomId roomId;
        if (roomIdOrAlias.StartsWith('#'))
        {
            if (!RoomAlias.TryParse(roomIdOrAlias, out var alias))
            {
                throw MatrixException.InvalidParam($"'{roomIdOrAlias}' is not a valid room alias.");
            }
            if (alias.Server == config.ServerName)
            {
                var record = await database.RoomAliases.ResolveAsync(alias, cancellationToken) ?? throw NotFound();
                roomId = record.RoomId;
            }
            else if (requester is null)
            {
                // Anonymous callers get the rooms this server holds; asking other servers is for our users.
                throw NotFound();
            }
            else
            {
                // spec: federation "query/directory" resolves the alias; its servers can describe the room.
                var (resolved, aliasServers) = await aliases.ResolveAsync(alias.Value, cancellationToken);
                roomId = resolved;
                servers.AddRange(aliasServers);
            }
        }
        else if (!RoomId.TryParse(roomIdOrAlias, out roomId))
        {
            throw MatrixException.InvalidParam($"'{roomIdOrAlias}' is not a valid room ID or alias.");
        }

        var state = await summaries.GetStateAsync(roomId, cancellationToken);
        if (state is null)
        {
            return requester is null ? throw NotFound() : await RemoteSummaryAsync(roomId, servers, requester, remote, database, cancellationToken);
        }
        bool allowed = requester is null
            ? IsPublic(state)
            : await summaries.CanPreviewAsync(requester.UserId, roomId, state, cancellationToken);
        if (!allowed)
        {
            // As Synapse: a room the requester may not preview is indistinguishable from one that does not exist.
            throw NotFound();
        }
        var summary = await summaries.SummarizeAsync(roomId, state, cancellationToken);
        if (requester is not null)
        {
            // spec: membership is absent only for unauthenticated calls; no membership event means "leave".
            var membership = await database.Memberships.GetMembershipAsync(roomId, requester.UserId, cancellationToken);
            summary["membership"] = membership?.Membership ?? Membership.Leave;
        }
        return MatrixResults.Json(summary);
    }

    /// <summary>
    /// A room this server is not in: the root of its hierarchy as the servers in <c>via</c> (then the alias's servers and
    /// the room ID's server) describe it over federation (spec: server-server "GET /hierarchy", whose room entry carries
    /// the summary fields; Synapse answers room_summary the same way). The other server decides what we may see.
    /// </summary>
    private static async Task<IResult> RemoteSummaryAsync(RoomId roomId, List<ServerName> servers, Requester requester, RemoteRoomQueries remote,
        MyelinDatabase database, CancellationToken cancellationToken)
    {
        if (roomId.Server is { } own)
        {
            servers.Add(own);
        }
        var rooms = await remote.GetRemoteHierarchyAsync(roomId, servers, suggestedOnly: false, maxDepth: 0, cancellationToken);
        if (rooms is not [var summary, ..])
        {
            throw NotFound();
        }
        summary.Remove("children_state");
        // Our own record says whether the requester is invited or knocking; no record means "leave".
        var membership = await database.Memberships.GetMembershipAsync(roomId, requester.UserId, cancellationToken);
        summary["membership"] = membership?.Membership ?? Membership.Leave;
        return MatrixResults.Json(summary);
    }

    /// <summary>spec: room_summary "Servers MAY allow unauthenticated access" conditions.</summary>
    private static bool IsPublic(IReadOnlyDictionary<StateKey, Pdu> state) =>
        RoomSummaries.ReadString(state, EventTypes.JoinRules, "join_rule") is JoinRules.Public or JoinRules.Knock or JoinRules.KnockRestricted
        || HistoryVisibilityValues.Normalize(RoomSummaries.ReadString(state, EventTypes.HistoryVisibility, "history_visibility")) == HistoryVisibilityValues.WorldReadable;

    private static MatrixException NotFound() => MatrixException.NotFound("Room not found.");
}
