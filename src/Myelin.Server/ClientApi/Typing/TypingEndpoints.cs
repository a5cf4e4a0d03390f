using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Ephemeral;
using Myelin.Server.Http;
using Myelin.Storage;

namespace Myelin.Server.ClientApi.Typing;

/// <summary><c>PUT /rooms/{roomId}/typing/{userId}</c>. spec: openapi typing.yaml, client-server "Typing Notifications".</summary>
public static class TypingEndpoints
{
    /// <summary>How long "typing" lasts when the client gives no timeout.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static IEndpointRouteBuilder MapTypingApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("PUT", "/rooms/{roomId}/typing/{userId}", PutTypingAsync);
        return app;
    }

    private static async Task<IResult> PutTypingAsync(HttpContext context, Requester requester, TypingTracker typing, MyelinDatabase database, string roomId, string userId)
    {
        if (!RoomId.TryParse(roomId, out var room))
        {
            throw MatrixException.InvalidParam($"'{roomId}' is not a valid room ID.");
        }
        if (!UserId.TryParse(userId, out var user))
        {
            throw MatrixException.InvalidParam($"'{userId}' is not a valid user ID.");
        }
        if (user != requester.UserId)
        {
            throw MatrixException.Forbidden("You can only set your own typing state.");
        }
        var body = await context.Request.ReadJsonElementAsync(context.RequestAborted);
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("Request body must be a JSON object.");
        }
        if (!body.TryGetProperty("typing", out var typingValue))
        {
            throw MatrixException.MissingParam("typing is required.");
        }
        if (typingValue.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw MatrixException.BadJson("typing must be a boolean.");
        }
        var timeout = DefaultTimeout;
        if (body.TryGetProperty("timeout", out var timeoutValue) && timeoutValue.ValueKind != JsonValueKind.Null)
        {
            if (timeoutValue.ValueKind != JsonValueKind.Number || !timeoutValue.TryGetInt64(out long ms) || ms < 0)
            {
                throw MatrixException.BadJson("timeout must be a non-negative integer (milliseconds).");
            }
            timeout = TimeSpan.FromMilliseconds(Math.Min(ms, (long)TypingTracker.MaxTimeout.TotalMilliseconds));
        }
        var membership = await database.Memberships.GetMembershipAsync(room, user, context.RequestAborted);
        if (membership?.Membership != Membership.Join)
        {
            throw MatrixException.Forbidden("You are not joined to this room.");
        }
        typing.SetTyping(room, user, typingValue.ValueKind == JsonValueKind.True, timeout);
        return MatrixResults.EmptyObject();
    }
}
