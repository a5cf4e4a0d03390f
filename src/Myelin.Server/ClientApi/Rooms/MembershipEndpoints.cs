using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Http;
using Myelin.Server.Rooms;

namespace Myelin.Server.ClientApi.Rooms;

/// <summary>
/// Joining, inviting, leaving, forgetting, kicking, banning, unbanning and knocking, and the requester's joined rooms.
/// spec: client-server "Room membership"; openapi joining, inviting, leaving, kicking, banning, knocking, list_joined_rooms.
/// </summary>
public static class MembershipEndpoints
{
    public static IEndpointRouteBuilder MapMembershipApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("POST", "/rooms/{roomId}/join", JoinByIdAsync);
        app.MapV3("POST", "/join/{roomIdOrAlias}", JoinAsync);
        app.MapV3("POST", "/rooms/{roomId}/invite", InviteAsync);
        app.MapV3("POST", "/rooms/{roomId}/leave", LeaveAsync);
        app.MapV3("POST", "/rooms/{roomId}/forget", ForgetAsync);
        app.MapV3("POST", "/rooms/{roomId}/kick", KickAsync);
        app.MapV3("POST", "/rooms/{roomId}/ban", BanAsync);
        app.MapV3("POST", "/rooms/{roomId}/unban", UnbanAsync);
        app.MapV3("POST", "/knock/{roomIdOrAlias}", KnockAsync);
        app.MapV3("GET", "/joined_rooms", JoinedRoomsAsync);
        return app;
    }

    private static async Task<IResult> JoinByIdAsync(string roomId, HttpContext context, Requester requester, RoomMembership membership, RateLimiter rateLimiter)
    {
        var room = RequestFields.ParseRoomId(roomId);
        return await JoinRoomAsync(room, [], context, requester, membership, rateLimiter);
    }

    private static async Task<IResult> JoinAsync(string roomIdOrAlias, HttpContext context, Requester requester, RoomMembership membership, RateLimiter rateLimiter)
    {
        // spec: server_name / via only matter for joins over federation; local rooms ignore them.
        var via = ViaServers(context);
        var (room, aliasServers) = await membership.ResolveRoomAsync(roomIdOrAlias, context.RequestAborted);
        return await JoinRoomAsync(room, [.. via, .. aliasServers], context, requester, membership, rateLimiter);
    }

    /// <summary>spec: joining.yaml / knocking.yaml: <c>via</c> (v1.12) and the deprecated <c>server_name</c>, each repeatable.</summary>
    private static List<ServerName> ViaServers(HttpContext context)
    {
        var servers = new List<ServerName>();
        foreach (string name in (string[])["via", "server_name"])
        {
            foreach (string? value in context.Request.Query[name])
            {
                if (!ServerName.TryParse(value, out var server))
                {
                    throw MatrixException.InvalidParam($"'{value}' in {name} is not a server name.");
                }
                servers.Add(server);
            }
        }
        return servers;
    }

    private static async Task<IResult> JoinRoomAsync(RoomId room, IReadOnlyList<ServerName> via, HttpContext context, Requester requester, RoomMembership membership,
        RateLimiter rateLimiter)
    {
        var body = await RequestFields.ReadOptionalJsonObjectAsync(context);
        string? reason = body.OptionalString("reason");
        if (body.OptionalObject("third_party_signed") is not null)
        {
            throw MatrixException.Forbidden("Joining with third_party_signed is not supported: this server does not use an identity server.");
        }
        rateLimiter.Acquire(RateLimitAction.Message, RateLimiter.KeyFor(requester.UserId));
        await membership.JoinAsync(requester.UserId, room, reason, requester.IsGuest, context.RequestAborted, via);
        return MatrixResults.Json(new JsonObject { ["room_id"] = room.Value });
    }

    private static async Task<IResult> InviteAsync(string roomId, HttpContext context, Requester requester, RoomMembership membership, RateLimiter rateLimiter)
    {
        var room = RequestFields.ParseRoomId(roomId);
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        if (!body.ContainsKey("user_id") && (body.ContainsKey("medium") || body.ContainsKey("address") || body.ContainsKey("id_server")))
        {
            // spec: third_party_membership.yaml — the 3PID form needs an identity server lookup.
            throw MatrixException.Forbidden("Third-party invites are not supported: this server does not use an identity server.");
        }
        var target = RequestFields.ParseUserId(body.RequiredString("user_id"));
        string? reason = body.OptionalString("reason");
        rateLimiter.Acquire(RateLimitAction.Message, RateLimiter.KeyFor(requester.UserId));
        await membership.InviteAsync(requester.UserId, room, target, reason, isDirect: false, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> LeaveAsync(string roomId, HttpContext context, Requester requester, RoomMembership membership)
    {
        var room = RequestFields.ParseRoomId(roomId);
        var body = await RequestFields.ReadOptionalJsonObjectAsync(context);
        await membership.LeaveAsync(requester.UserId, room, body.OptionalString("reason"), context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> ForgetAsync(string roomId, HttpContext context, Requester requester, RoomMembership membership)
    {
        var room = RequestFields.ParseRoomId(roomId);
        await membership.ForgetAsync(requester.UserId, room, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static Task<IResult> KickAsync(string roomId, HttpContext context, Requester requester, RoomMembership membership) =>
        TargetedAsync(roomId, context, (room, target, reason, ct) => membership.KickAsync(requester.UserId, room, target, reason, ct));

    private static Task<IResult> BanAsync(string roomId, HttpContext context, Requester requester, RoomMembership membership) =>
        TargetedAsync(roomId, context, (room, target, reason, ct) => membership.BanAsync(requester.UserId, room, target, reason, ct));

    private static Task<IResult> UnbanAsync(string roomId, HttpContext context, Requester requester, RoomMembership membership) =>
        TargetedAsync(roomId, context, (room, target, reason, ct) => membership.UnbanAsync(requester.UserId, room, target, reason, ct));

    private static async Task<IResult> TargetedAsync(string roomId, HttpContext context, Func<RoomId, UserId, string?, CancellationToken, Task<SentEvent>> action)
    {
        var room = RequestFields.ParseRoomId(roomId);
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        var target = RequestFields.ParseUserId(body.RequiredString("user_id"));
        await action(room, target, body.OptionalString("reason"), context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> KnockAsync(string roomIdOrAlias, HttpContext context, Requester requester, RoomMembership membership, RateLimiter rateLimiter)
    {
        var via = ViaServers(context);
        var (room, aliasServers) = await membership.ResolveRoomAsync(roomIdOrAlias, context.RequestAborted);
        var body = await RequestFields.ReadOptionalJsonObjectAsync(context);
        string? reason = body.OptionalString("reason");
        rateLimiter.Acquire(RateLimitAction.Message, RateLimiter.KeyFor(requester.UserId));
        await membership.KnockAsync(requester.UserId, room, reason, context.RequestAborted, [.. via, .. aliasServers]);
        return MatrixResults.Json(new JsonObject { ["room_id"] = room.Value });
    }

    private static async Task<IResult> JoinedRoomsAsync(HttpContext context, Requester requester, RoomEvents events)
    {
        var rooms = await events.Database.Memberships.GetRoomsForUserAsync(requester.UserId, Membership.Join, context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["joined_rooms"] = new JsonArray([.. rooms.Select(r => (JsonNode)r.Value)]) });
    }
}
