using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Server.Authentication;
using Myelin.Server.Http;
using Myelin.Server.Rooms;

namespace Myelin.Server.ClientApi.Rooms;

/// <summary><c>POST /rooms/{roomId}/upgrade</c>. spec: client-server "Room Upgrades"; openapi room_upgrades.yaml.</summary>
public static class RoomUpgradeEndpoints
{
    public static IEndpointRouteBuilder MapRoomUpgradeApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("POST", "/rooms/{roomId}/upgrade", UpgradeAsync);
        return app;
    }

    private static async Task<IResult> UpgradeAsync(string roomId, HttpContext context, Requester requester, RoomUpgrader upgrader, RateLimiter rateLimiter)
    {
        var room = RequestFields.ParseRoomId(roomId);
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        string versionId = body.RequiredString("new_version");
        if (!KnownRoomVersions.TryGet(versionId, out var version))
        {
            throw MatrixException.UnsupportedRoomVersion($"This server does not support room version '{versionId}'.");
        }
        var additional = new List<UserId>();
        foreach (string value in body.OptionalStringArray("additional_creators") ?? [])
        {
            additional.Add(RequestFields.ParseUserId(value, "additional_creators"));
        }
        rateLimiter.Acquire(RateLimitAction.Message, RateLimiter.KeyFor(requester.UserId));
        var replacement = await upgrader.UpgradeAsync(requester.UserId, room, version, additional, context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["replacement_room"] = replacement.Value });
    }
}
