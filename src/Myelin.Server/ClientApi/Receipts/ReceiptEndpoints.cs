using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Http;
using Myelin.Server.Receipts;

namespace Myelin.Server.ClientApi.Receipts;

/// <summary>
/// <c>POST /rooms/{roomId}/receipt/{receiptType}/{eventId}</c> and <c>POST /rooms/{roomId}/read_markers</c>.
/// spec: openapi receipts.yaml, read_markers.yaml.
/// </summary>
public static class ReceiptEndpoints
{
    public static IEndpointRouteBuilder MapReceiptApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("POST", "/rooms/{roomId}/receipt/{receiptType}/{eventId}", PostReceiptAsync);
        app.MapV3("POST", "/rooms/{roomId}/read_markers", PostReadMarkersAsync);
        return app;
    }

    private static async Task<IResult> PostReceiptAsync(HttpContext context, Requester requester, ReceiptService receipts, string roomId, string receiptType, string eventId)
    {
        var room = ParseRoom(roomId);
        var evt = ParseEvent(eventId, "eventId");
        var body = await ReadOptionalObjectAsync(context.Request);
        string? threadId = null;
        if (body.TryGetProperty("thread_id", out var thread))
        {
            // spec: receipts.yaml 400: thread_id not a string, or empty.
            if (thread.ValueKind != JsonValueKind.String || thread.GetString()!.Length == 0)
            {
                throw MatrixException.InvalidParam("thread_id field must be a non-empty string.");
            }
            threadId = thread.GetString();
        }
        await receipts.SendReceiptAsync(requester.UserId, room, receiptType, evt, threadId, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> PostReadMarkersAsync(HttpContext context, Requester requester, ReceiptService receipts, string roomId)
    {
        var room = ParseRoom(roomId);
        var body = await context.Request.ReadJsonElementAsync(context.RequestAborted);
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("Request body must be a JSON object.");
        }
        var fullyRead = OptionalEvent(body, ReceiptTypes.FullyRead);
        var read = OptionalEvent(body, ReceiptTypes.Read);
        var readPrivate = OptionalEvent(body, ReceiptTypes.ReadPrivate);
        await receipts.SetReadMarkersAsync(requester.UserId, room, fullyRead, read, readPrivate, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static EventId? OptionalEvent(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            throw MatrixException.BadJson($"{name} must be an event ID string.");
        }
        return ParseEvent(value.GetString()!, name);
    }

    private static async Task<JsonElement> ReadOptionalObjectAsync(HttpRequest request)
    {
        // Some clients post receipts without a body; treat that as {}.
        if (request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.ContainsKey("Transfer-Encoding")))
        {
            return JsonElement.Parse("{}"u8);
        }
        var body = await request.ReadJsonElementAsync(request.HttpContext.RequestAborted);
        return body.ValueKind == JsonValueKind.Object ? body : throw MatrixException.BadJson("Request body must be a JSON object.");
    }

    internal static RoomId ParseRoom(string value) =>
        RoomId.TryParse(value, out var room) ? room : throw MatrixException.InvalidParam($"'{value}' is not a valid room ID.");

    private static EventId ParseEvent(string value, string name) =>
        EventId.TryParse(value, out var id) ? id : throw MatrixException.InvalidParam($"{name}: '{value}' is not a valid event ID.");
}
