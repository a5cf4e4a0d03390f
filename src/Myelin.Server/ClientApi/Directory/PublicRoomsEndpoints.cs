using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.ClientApi.Rooms;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Queries;
using Myelin.Server.Http;
using Myelin.Server.Rooms;

namespace Myelin.Server.ClientApi.Directory;

/// <summary>
/// The published room directory: a room's visibility in it, and listing/searching it.
/// spec: client-server "Published room directory"; openapi list_public_rooms.yaml.
/// </summary>
public static class PublicRoomsEndpoints
{
    public static IEndpointRouteBuilder MapPublicRoomsApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("GET", "/directory/list/room/{roomId}", GetVisibilityAsync);
        app.MapV3("PUT", "/directory/list/room/{roomId}", SetVisibilityAsync);
        app.MapV3("GET", "/publicRooms", ListAsync);
        app.MapV3("POST", "/publicRooms", SearchAsync);
        return app;
    }

    private static async Task<IResult> GetVisibilityAsync(string roomId, HttpContext context, RoomEvents events)
    {
        var room = RequestFields.ParseRoomId(roomId);
        var record = await events.Database.Rooms.GetAsync(room, context.RequestAborted)
            ?? throw MatrixException.NotFound($"Unknown room {room}.");
        return MatrixResults.Json(new JsonObject { ["visibility"] = record.IsPublic ? "public" : "private" });
    }

    private static async Task<IResult> SetVisibilityAsync(string roomId, HttpContext context, Requester requester, RoomEvents events, RoomAliasDirectory aliases)
    {
        var room = RequestFields.ParseRoomId(roomId);
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        string? visibility = body.OptionalString("visibility");
        if (visibility is not (null or "public" or "private"))
        {
            throw MatrixException.InvalidParam($"'visibility' must be 'public' or 'private', not '{visibility}'.");
        }
        if (await events.Database.Rooms.GetAsync(room, context.RequestAborted) is null)
        {
            throw MatrixException.NotFound($"Unknown room {room}.");
        }
        // Publishing is a room admin's decision (Synapse: the power to change the canonical alias) or a server admin's.
        if (!requester.IsAdmin && !await aliases.CanChangeCanonicalAliasAsync(requester.UserId, room, context.RequestAborted))
        {
            throw MatrixException.Forbidden("You need the power to change the room's canonical alias to publish or unpublish it.");
        }
        // spec: visibility defaults to public.
        await events.Database.Rooms.SetPublicAsync(room, (visibility ?? "public") == "public", context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> ListAsync(string? limit, string? since, string? server, HttpContext context, PublicRoomDirectory directory, MyelinConfig config,
        RemoteRoomQueries remote)
    {
        var remoteServer = RemoteServer(server, config);
        int? parsedLimit = null;
        if (limit is not null)
        {
            parsedLimit = int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out int l) && l > 0
                ? l
                : throw MatrixException.InvalidParam($"'limit' must be a positive integer, not '{limit}'.");
        }
        if (remoteServer is { } other)
        {
            return MatrixResults.Json(await remote.GetPublicRoomsAsync(other, parsedLimit, since, false, null, context.RequestAborted));
        }
        var query = new PublicRoomsQuery { Limit = parsedLimit ?? PublicRoomsQuery.DefaultLimit, Since = since };
        return MatrixResults.Json(await directory.GetPageAsync(query, context.RequestAborted));
    }

    private static async Task<IResult> SearchAsync(string? server, HttpContext context, Requester requester, PublicRoomDirectory directory, MyelinConfig config,
        RemoteRoomQueries remote)
    {
        _ = requester;
        var remoteServer = RemoteServer(server, config);
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        long? limit = body.OptionalInteger("limit");
        if (limit is <= 0)
        {
            throw MatrixException.InvalidParam("'limit' must be a positive integer.");
        }
        string? since = body.OptionalString("since");
        var (term, roomTypes) = PublicRoomDirectory.ReadFilter(body);
        bool? includeAllNetworks = body.OptionalBool("include_all_networks");
        string? thirdPartyInstanceId = body.OptionalString("third_party_instance_id");
        if (remoteServer is { } other)
        {
            // The same search, as validated, to the other server. spec: server-server public_rooms.yaml POST.
            var forwarded = new JsonObject
            {
                ["limit"] = limit,
                ["since"] = since,
                ["filter"] = body.OptionalObject("filter")?.DeepClone(),
                ["include_all_networks"] = includeAllNetworks,
                ["third_party_instance_id"] = thirdPartyInstanceId,
            };
            foreach (string unset in forwarded.Where(p => p.Value is null).Select(p => p.Key).ToList())
            {
                forwarded.Remove(unset);
            }
            return MatrixResults.Json(await remote.SearchPublicRoomsAsync(other, forwarded, context.RequestAborted));
        }
        var query = new PublicRoomsQuery
        {
            Limit = (int)Math.Min(limit ?? PublicRoomsQuery.DefaultLimit, PublicRoomsQuery.MaxLimit),
            Since = since,
            SearchTerm = term,
            RoomTypes = roomTypes,
        };
        return MatrixResults.Json(await directory.GetPageAsync(query, context.RequestAborted));
    }

    /// <summary>The other server whose directory is asked for, or null for ours (no <c>server</c>, or our own name).</summary>
    private static ServerName? RemoteServer(string? server, MyelinConfig config)
    {
        if (string.IsNullOrEmpty(server) || server == config.ServerName.Value)
        {
            return null;
        }
        return ServerName.TryParse(server, out var name) ? name : throw MatrixException.InvalidParam($"'server' is not a server name: '{server}'.");
    }
}
