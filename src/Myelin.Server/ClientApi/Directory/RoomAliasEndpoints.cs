using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.ClientApi.Rooms;
using Myelin.Server.Http;
using Myelin.Server.Rooms;

namespace Myelin.Server.ClientApi.Directory;

/// <summary>
/// <c>PUT/GET/DELETE /directory/room/{roomAlias}</c> and <c>GET /rooms/{roomId}/aliases</c>.
/// spec: client-server "Room aliases"; openapi directory.yaml.
/// </summary>
public static class RoomAliasEndpoints
{
    public static IEndpointRouteBuilder MapRoomAliasApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("PUT", "/directory/room/{roomAlias}", CreateAsync);
        app.MapV3("GET", "/directory/room/{roomAlias}", ResolveAsync);
        app.MapV3("DELETE", "/directory/room/{roomAlias}", DeleteAsync);
        app.MapV3("GET", "/rooms/{roomId}/aliases", ListAsync);
        return app;
    }

    private static async Task<IResult> CreateAsync(string roomAlias, HttpContext context, Requester requester, RoomAliasDirectory aliases)
    {
        var alias = aliases.ParseLocal(roomAlias);
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        var roomId = RequestFields.ParseRoomId(body.RequiredString("room_id"));
        await aliases.CreateAsync(requester.UserId, alias, roomId, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> ResolveAsync(string roomAlias, HttpContext context, RoomAliasDirectory aliases)
    {
        // spec: resolving an alias needs no access token.
        var (roomId, servers) = await aliases.ResolveAsync(roomAlias, context.RequestAborted);
        return MatrixResults.Json(new JsonObject
        {
            ["room_id"] = roomId.Value,
            ["servers"] = new JsonArray([.. servers.Select(s => (JsonNode)s.Value)]),
        });
    }

    private static async Task<IResult> DeleteAsync(string roomAlias, HttpContext context, Requester requester, RoomAliasDirectory aliases)
    {
        var alias = aliases.ParseLocal(roomAlias);
        await aliases.DeleteAsync(requester.UserId, requester.IsAdmin, alias, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> ListAsync(string roomId, HttpContext context, Requester requester, RoomStateAccess access, RoomEvents events)
    {
        var room = RequestFields.ParseRoomId(roomId);
        // spec: only members (or anyone, for world-readable rooms) may list a room's aliases.
        await access.GetReadableStateAsync(requester.UserId, room, context.RequestAborted);
        var list = await events.Database.RoomAliases.GetForRoomAsync(room, context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["aliases"] = new JsonArray([.. list.Select(a => (JsonNode)a.Value)]) });
    }
}
