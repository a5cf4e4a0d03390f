using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Authentication;
using Myelin.Server.Federation.Membership;
using Myelin.Server.Http;

namespace Myelin.Server.FederationApi;

/// <summary>
/// The membership handshakes, resident side: make_join / send_join (v1, v2), make_leave / send_leave (v1, v2),
/// make_knock / send_knock, invite (v1, v2). spec: server-server "Joining Rooms", "Knocking upon a room",
/// "Inviting to a room", "Leaving Rooms (Rejecting Invites)"; joins-v1/v2, leaving-v1/v2, knocks, invites-v1/v2.yaml.
/// </summary>
public static class MembershipEndpoints
{
    public static RouteGroupBuilder MapFederationMembershipApi(this RouteGroupBuilder federation)
    {
        federation.MapGet("/v1/make_join/{roomId}/{userId}", MakeJoinAsync);
        federation.MapPut("/v1/send_join/{roomId}/{eventId}", SendJoinV1Async);
        federation.MapPut("/v2/send_join/{roomId}/{eventId}", SendJoinV2Async);
        federation.MapGet("/v1/make_leave/{roomId}/{userId}", MakeLeaveAsync);
        federation.MapPut("/v1/send_leave/{roomId}/{eventId}", SendLeaveV1Async);
        federation.MapPut("/v2/send_leave/{roomId}/{eventId}", SendLeaveV2Async);
        federation.MapGet("/v1/make_knock/{roomId}/{userId}", MakeKnockAsync);
        federation.MapPut("/v1/send_knock/{roomId}/{eventId}", SendKnockAsync);
        federation.MapPut("/v1/invite/{roomId}/{eventId}", InviteV1Async);
        federation.MapPut("/v2/invite/{roomId}/{eventId}", InviteV2Async);
        return federation;
    }

    private static async Task<IResult> MakeJoinAsync(string roomId, string userId, FederationOrigin origin, HttpRequest request, ResidentMembership resident) =>
        MatrixResults.Json(await resident.MakeJoinAsync(origin.ServerName, ParseRoomId(roomId), ParseUserId(userId), SupportedVersions(request), request.HttpContext.RequestAborted));

    private static async Task<IResult> SendJoinV2Async(string roomId, string eventId, FederationOrigin origin, HttpRequest request, ResidentMembership resident)
    {
        var body = await request.ReadJsonElementAsync(request.HttpContext.RequestAborted);
        return MatrixResults.Json(await resident.SendJoinAsync(origin.ServerName, ParseRoomId(roomId), EventIdFromPath(eventId), body, request.HttpContext.RequestAborted));
    }

    /// <summary>spec: joins-v1.yaml — the same answer as v2, in the legacy <c>[200, {...}]</c> array.</summary>
    private static async Task<IResult> SendJoinV1Async(string roomId, string eventId, FederationOrigin origin, HttpRequest request, ResidentMembership resident)
    {
        var body = await request.ReadJsonElementAsync(request.HttpContext.RequestAborted);
        var response = await resident.SendJoinAsync(origin.ServerName, ParseRoomId(roomId), EventIdFromPath(eventId), body, request.HttpContext.RequestAborted);
        return MatrixResults.Json(new JsonArray(200, response));
    }

    private static async Task<IResult> MakeLeaveAsync(string roomId, string userId, FederationOrigin origin, HttpRequest request, ResidentMembership resident) =>
        MatrixResults.Json(await resident.MakeLeaveAsync(origin.ServerName, ParseRoomId(roomId), ParseUserId(userId), request.HttpContext.RequestAborted));

    private static async Task<IResult> SendLeaveV2Async(string roomId, string eventId, FederationOrigin origin, HttpRequest request, ResidentMembership resident)
    {
        var body = await request.ReadJsonElementAsync(request.HttpContext.RequestAborted);
        await resident.SendLeaveAsync(origin.ServerName, ParseRoomId(roomId), EventIdFromPath(eventId), body, request.HttpContext.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    /// <summary>spec: leaving-v1.yaml — <c>[200, {}]</c>.</summary>
    private static async Task<IResult> SendLeaveV1Async(string roomId, string eventId, FederationOrigin origin, HttpRequest request, ResidentMembership resident)
    {
        var body = await request.ReadJsonElementAsync(request.HttpContext.RequestAborted);
        await resident.SendLeaveAsync(origin.ServerName, ParseRoomId(roomId), EventIdFromPath(eventId), body, request.HttpContext.RequestAborted);
        return MatrixResults.Json(new JsonArray(200, new JsonObject()));
    }

    private static async Task<IResult> MakeKnockAsync(string roomId, string userId, FederationOrigin origin, HttpRequest request, ResidentMembership resident) =>
        MatrixResults.Json(await resident.MakeKnockAsync(origin.ServerName, ParseRoomId(roomId), ParseUserId(userId), SupportedVersions(request), request.HttpContext.RequestAborted));

    private static async Task<IResult> SendKnockAsync(string roomId, string eventId, FederationOrigin origin, HttpRequest request, ResidentMembership resident)
    {
        var body = await request.ReadJsonElementAsync(request.HttpContext.RequestAborted);
        return MatrixResults.Json(await resident.SendKnockAsync(origin.ServerName, ParseRoomId(roomId), EventIdFromPath(eventId), body, request.HttpContext.RequestAborted));
    }

    private static async Task<IResult> InviteV2Async(string roomId, string eventId, FederationOrigin origin, HttpRequest request, ResidentMembership resident)
    {
        var body = await request.ReadJsonElementAsync(request.HttpContext.RequestAborted);
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("The body must be an object.");
        }
        if (!body.TryGetProperty("room_version", out var version) || version.ValueKind != JsonValueKind.String)
        {
            throw MatrixException.MissingParam("room_version is required and must be a string.");
        }
        if (!body.TryGetProperty("event", out var @event))
        {
            throw MatrixException.MissingParam("event is required.");
        }
        JsonElement? state = body.TryGetProperty("invite_room_state", out var s) ? s : null;
        var signed = await resident.ReceiveInviteAsync(origin.ServerName, ParseRoomId(roomId), EventIdFromPath(eventId), version.GetString(), @event, state, request.HttpContext.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["event"] = MembershipEvents.ToJson(signed) });
    }

    /// <summary>
    /// spec: invites-v1.yaml — the body is the event itself (stripped state in <c>unsigned.invite_room_state</c>), for
    /// room versions 1 and 2 (the version is not sent); the answer is <c>[200, {"event": ...}]</c>.
    /// </summary>
    private static async Task<IResult> InviteV1Async(string roomId, string eventId, FederationOrigin origin, HttpRequest request, ResidentMembership resident,
        Myelin.Server.Rooms.RoomEvents events)
    {
        var body = await request.ReadJsonElementAsync(request.HttpContext.RequestAborted);
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("The body must be the invite event.");
        }
        var room = ParseRoomId(roomId);
        string version = (await events.GetRoomVersionAsync(room, request.HttpContext.RequestAborted))?.Id ?? "1";
        JsonElement? state = body.TryGetProperty("unsigned", out var unsignedData) && unsignedData.ValueKind == JsonValueKind.Object
            && unsignedData.TryGetProperty("invite_room_state", out var s) ? s : null;
        var signed = await resident.ReceiveInviteAsync(origin.ServerName, room, EventIdFromPath(eventId), version, body, state, request.HttpContext.RequestAborted);
        return MatrixResults.Json(new JsonArray(200, new JsonObject { ["event"] = MembershipEvents.ToJson(signed) }));
    }

    /// <summary>spec: joins-v1.yaml <c>ver</c>: "The room versions the sending server has support for. Defaults to [1]."</summary>
    private static string[] SupportedVersions(HttpRequest request)
    {
        var values = request.Query["ver"];
        return values.Count == 0 ? ["1"] : [.. values.OfType<string>()];
    }

    /// <summary>ASP.NET leaves <c>%2F</c> encoded in route values; room version 3 event IDs contain <c>/</c>.</summary>
    private static string EventIdFromPath(string value) => Uri.UnescapeDataString(value);

    private static RoomId ParseRoomId(string value) =>
        RoomId.TryParse(value, out var id) ? id : throw MatrixException.InvalidParam($"'{value}' is not a room ID.");

    private static UserId ParseUserId(string value) =>
        UserId.TryParse(value, out var id) ? id : throw MatrixException.InvalidParam($"'{value}' is not a user ID.");
}
