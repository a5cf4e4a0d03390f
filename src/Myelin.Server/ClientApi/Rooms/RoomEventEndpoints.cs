using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.Events;
using Myelin.Server.Http;
using Myelin.Server.Rooms;
using Myelin.Server.Visibility;

namespace Myelin.Server.ClientApi.Rooms;

/// <summary>
/// Sending message and state events, redacting, and reading one event.
/// spec: client-server "Sending events to a room", "Redactions", "GET /rooms/{roomId}/event/{eventId}";
/// openapi room_send.yaml, room_state.yaml, redaction.yaml, rooms.yaml.
/// </summary>
public static class RoomEventEndpoints
{
    public static IEndpointRouteBuilder MapRoomEventApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("PUT", "/rooms/{roomId}/send/{eventType}/{txnId}", SendAsync);
        app.MapV3("PUT", "/rooms/{roomId}/state/{eventType}/{**stateKey}", SetStateAsync);
        app.MapV3("PUT", "/rooms/{roomId}/redact/{eventId}/{txnId}", RedactAsync);
        app.MapV3("GET", "/rooms/{roomId}/event/{eventId}", GetEventAsync);
        return app;
    }

    private static async Task<IResult> SendAsync(string roomId, string eventType, string txnId, HttpContext context, Requester requester,
        ClientEventSender sender, RateLimiter rateLimiter)
    {
        var room = RequestFields.ParseRoomId(roomId);
        var content = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        rateLimiter.Acquire(RateLimitAction.Message, RateLimiter.KeyFor(requester.UserId));
        var sent = await sender.SendMessageAsync(requester, room, eventType, txnId, content, context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["event_id"] = sent.EventId.Value });
    }

    private static async Task<IResult> SetStateAsync(string roomId, string eventType, string? stateKey, HttpContext context, Requester requester,
        ClientEventSender sender, RateLimiter rateLimiter)
    {
        var room = RequestFields.ParseRoomId(roomId);
        var content = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        rateLimiter.Acquire(RateLimitAction.Message, RateLimiter.KeyFor(requester.UserId));
        // spec: the state key defaults to the empty string, and the trailing slash is then optional.
        var sent = await sender.SendStateAsync(requester, room, eventType, stateKey ?? "", content, context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["event_id"] = sent.EventId.Value });
    }

    private static async Task<IResult> RedactAsync(string roomId, string eventId, string txnId, HttpContext context, Requester requester,
        ClientEventSender sender, RateLimiter rateLimiter)
    {
        var room = RequestFields.ParseRoomId(roomId);
        var target = RequestFields.ParseEventId(eventId);
        var body = await RequestFields.ReadOptionalJsonObjectAsync(context);
        string? reason = body.OptionalString("reason");
        rateLimiter.Acquire(RateLimitAction.Message, RateLimiter.KeyFor(requester.UserId));
        var sent = await sender.RedactAsync(requester, room, target, txnId, reason, context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["event_id"] = sent.EventId.Value });
    }

    private static async Task<IResult> GetEventAsync(string roomId, string eventId, HttpContext context, Requester requester,
        RoomEvents events, HistoryVisibility visibility, ClientEvents serving)
    {
        var room = RequestFields.ParseRoomId(roomId);
        var id = RequestFields.ParseEventId(eventId);
        var stored = await events.Database.Events.GetEventAsync(id, context.RequestAborted);
        // spec: 404 both for unknown events and for events the user is not allowed to see.
        if (stored is null || stored.RoomId != room || !await visibility.CanSeeEventAsync(requester.UserId, stored, context.RequestAborted, filterIgnored: false))
        {
            throw MatrixException.NotFound("Event not found.");
        }
        return MatrixResults.Json(await serving.SerializeOneAsync(stored, requester, cancellationToken: context.RequestAborted));
    }
}
