using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.Events;
using Myelin.Server.Federation.Backfill;
using Myelin.Server.Http;
using Myelin.Server.Timeline;
using Myelin.Server.Visibility;
using Myelin.Storage.Events;

namespace Myelin.Server.ClientApi.Timeline;

/// <summary>GET /rooms/{roomId}/messages and GET /rooms/{roomId}/context/{eventId}. spec: client-server "Pagination", "Event Context".</summary>
public static class MessagesEndpoints
{
    public static IEndpointRouteBuilder MapMessagesApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("GET", "/rooms/{roomId}/messages", GetMessagesAsync);
        app.MapV3("GET", "/rooms/{roomId}/context/{eventId}", GetContextAsync);
        return app;
    }

    private static async Task<IResult> GetMessagesAsync(string roomId, HttpRequest request, Requester requester, RoomTimeline timeline,
        HistoryVisibility visibility, RelationAggregator aggregator, ClientEvents clientEvents, RoomBackfiller backfiller, CancellationToken cancellationToken)
    {
        var room = TimelineQuery.RoomId(roomId);
        var direction = TimelineQuery.Direction(request, null);
        bool backwards = direction == PaginationDirection.Backwards;
        int limit = TimelineQuery.Limit(request, 10);
        var filter = TimelineQuery.Filter(request);
        if (filter?.Limit is { } filterLimit && string.IsNullOrEmpty(request.Query["limit"]))
        {
            limit = Math.Min(filterLimit, TimelineQuery.MaxLimit);
        }
        await TimelineQuery.RequireReadAccessAsync(visibility, requester.UserId, room, cancellationToken);

        var database = timeline.Events.Database;
        string? fromText = request.Query["from"];
        TopologicalToken from;
        if (string.IsNullOrEmpty(fromText))
        {
            // spec (v1.3): without from, start at the last (dir=b) or first (dir=f) visible event.
            from = backwards ? TopologicalToken.End : TopologicalToken.Start;
        }
        else
        {
            from = await TimelineTokens.ResolveAsync(database, room, fromText, asUpperBound: backwards, cancellationToken)
                ?? throw MatrixException.InvalidParam("'from' is not a valid pagination token.");
        }
        TopologicalToken? to = null;
        string? toText = request.Query["to"];
        if (!string.IsNullOrEmpty(toText))
        {
            to = await TimelineTokens.ResolveAsync(database, room, toText, asUpperBound: !backwards, cancellationToken)
                ?? throw MatrixException.InvalidParam("'to' is not a valid pagination token.");
        }

        var page = await timeline.PaginateAsync(requester.UserId, room, from, direction, limit, to, filter, cancellationToken);
        // Our history ran out before the room's beginning (e.g. we joined late): one backfill from the servers in the
        // room, then the same page again. spec: server-server "Backfilling and retrieving missing events".
        if (backwards && page.End is null && page.Events.Count < limit && to is null
            && await backfiller.TryBackfillAsync(room, cancellationToken))
        {
            page = await timeline.PaginateAsync(requester.UserId, room, from, direction, limit, to, filter, cancellationToken);
        }
        var relations = await aggregator.AggregateAsync(page.Events, requester.UserId, cancellationToken);
        var chunk = await clientEvents.SerializeAsync(page.Events, requester, includeRoomId: true, relations, cancellationToken);
        var body = new JsonObject
        {
            ["start"] = string.IsNullOrEmpty(fromText) ? from.ToString() : fromText,
            ["chunk"] = ClientEvents.ToJsonArray(chunk),
        };
        if (page.End is { } end)
        {
            body["end"] = end.ToString();
        }
        if (filter?.LazyLoadMembers == true)
        {
            var members = await timeline.GetSenderMembersAsync(page.Events, cancellationToken);
            body["state"] = ClientEvents.ToJsonArray(await clientEvents.SerializeAsync(members, requester, includeRoomId: true, null, cancellationToken));
        }
        return MatrixResults.Json(body);
    }

    private static async Task<IResult> GetContextAsync(string roomId, string eventId, HttpRequest request, Requester requester, RoomTimeline timeline,
        HistoryVisibility visibility, RelationAggregator aggregator, ClientEvents clientEvents, CancellationToken cancellationToken)
    {
        var room = TimelineQuery.RoomId(roomId);
        var id = TimelineQuery.EventId(eventId);
        int limit = TimelineQuery.Limit(request, 10);
        var filter = TimelineQuery.Filter(request);
        await TimelineQuery.RequireReadAccessAsync(visibility, requester.UserId, room, cancellationToken);

        var target = await timeline.Events.Database.Events.GetEventAsync(id, cancellationToken);
        if (target is null || target.RoomId != room || !await visibility.CanSeeEventAsync(requester.UserId, target, cancellationToken))
        {
            throw MatrixException.NotFound("Event not found.");
        }
        // spec: the limit applies to the sum of events_before and events_after; split it as evenly as possible.
        int beforeLimit = limit / 2;
        int afterLimit = limit - beforeLimit;
        var token = target.TopologicalToken;
        var before = await timeline.PaginateAsync(requester.UserId, room, token, PaginationDirection.Backwards, beforeLimit, null, filter, cancellationToken);
        var after = await timeline.PaginateAsync(requester.UserId, room, token, PaginationDirection.Forwards, afterLimit, null, filter, cancellationToken);

        var all = new List<StoredEvent>(before.Events.Count + after.Events.Count + 1) { target };
        all.AddRange(before.Events);
        all.AddRange(after.Events);
        var relations = await aggregator.AggregateAsync(all, requester.UserId, cancellationToken);
        var serialized = await clientEvents.SerializeAsync(all, requester, includeRoomId: true, relations, cancellationToken);

        // State at the last event returned (the latest of the context), lazy-loaded to the senders when asked.
        var last = after.Events.Count > 0 ? after.Events[^1] : target;
        IReadOnlyList<StoredEvent> state = filter?.LazyLoadMembers == true
            ? await timeline.GetSenderMembersAsync(all, cancellationToken)
            : await timeline.GetStateAfterAsync(last.EventId, cancellationToken);
        if (filter?.LazyLoadMembers == true)
        {
            var full = await timeline.GetStateAfterAsync(last.EventId, cancellationToken);
            state = [.. full.Where(e => e.Type != Protocol.Events.EventTypes.Member), .. state];
        }

        var body = new JsonObject
        {
            ["event"] = JsonNode.Parse(serialized[0]),
            ["events_before"] = ClientEvents.ToJsonArray(serialized.Skip(1).Take(before.Events.Count)),
            ["events_after"] = ClientEvents.ToJsonArray(serialized.Skip(1 + before.Events.Count)),
            ["start"] = (before.Events.Count > 0 ? before.Events[^1].TopologicalToken : token).ToString(),
            ["end"] = (after.Events.Count > 0 ? after.Events[^1].TopologicalToken : token).ToString(),
            ["state"] = ClientEvents.ToJsonArray(await clientEvents.SerializeAsync(state, requester, includeRoomId: true, null, cancellationToken)),
        };
        return MatrixResults.Json(body);
    }
}
