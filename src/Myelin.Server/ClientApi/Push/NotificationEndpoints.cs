using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.Events;
using Myelin.Server.Http;
using Myelin.Storage;
using Myelin.Storage.Streams;

namespace Myelin.Server.ClientApi.Push;

/// <summary>spec: client-server "GET /notifications" (notifications.yaml): the events the user was notified about, newest first.</summary>
public static class NotificationEndpoints
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapNotificationApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("GET", "/notifications", GetNotificationsAsync);
        return app;
    }

    private static async Task<IResult> GetNotificationsAsync(HttpContext context, Requester requester, MyelinDatabase database, ClientEvents clientEvents)
    {
        var query = context.Request.Query;
        StreamPosition? from = null;
        if (query["from"].ToString() is { Length: > 0 } fromText)
        {
            // The token is the stream position of the last notification of the previous page.
            if (!long.TryParse(fromText, NumberStyles.None, CultureInfo.InvariantCulture, out long position))
            {
                throw MatrixException.InvalidParam("'from' is not a valid pagination token.");
            }
            from = new StreamPosition(position);
        }
        int limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } limitText)
        {
            if (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1)
            {
                throw MatrixException.InvalidParam("'limit' must be a positive integer.");
            }
            limit = Math.Min(limit, MaxLimit);
        }
        // spec: only "highlight" is defined; anything else filters nothing (as Synapse).
        bool onlyHighlight = query["only"].ToString().Contains("highlight", StringComparison.Ordinal);

        var page = await database.Notifications.GetNotificationsAsync(requester.UserId, from, limit, onlyHighlight, context.RequestAborted);
        var stored = await database.Events.GetEventsAsync(page.Select(n => n.EventId).ToList(), context.RequestAborted);
        var present = page.Where(n => stored.ContainsKey(n.EventId)).ToList();
        var events = await clientEvents.SerializeAsync(present.Select(n => stored[n.EventId]).ToList(), requester, includeRoomId: false,
            cancellationToken: context.RequestAborted);

        var notifications = new JsonArray();
        for (int i = 0; i < present.Count; i++)
        {
            var n = present[i];
            notifications.Add(new JsonObject
            {
                ["actions"] = JsonNode.Parse(n.Actions),
                ["event"] = JsonNode.Parse(events[i]),
                ["read"] = n.Read,
                ["room_id"] = n.RoomId.Value,
                ["ts"] = n.Ts,
            });
        }
        var result = new JsonObject { ["notifications"] = notifications };
        if (page.Count == limit)
        {
            result["next_token"] = page[^1].StreamPosition.Value.ToString(CultureInfo.InvariantCulture);
        }
        return MatrixResults.Json(result);
    }
}
