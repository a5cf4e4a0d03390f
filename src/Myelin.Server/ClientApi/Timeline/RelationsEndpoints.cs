using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Events;
using Myelin.Server.Http;
using Myelin.Server.Streams;
using Myelin.Server.Timeline;
using Myelin.Server.Visibility;
using Myelin.Storage.Events;
using Myelin.Storage.Streams;

namespace Myelin.Server.ClientApi.Timeline;

/// <summary>
/// GET /v1/rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]], GET /v1/rooms/{roomId}/threads and
/// GET /v1/rooms/{roomId}/timestamp_to_event. spec: client-server "Relationships between events", "Threading",
/// "GET /timestamp_to_event".
/// </summary>
public static class RelationsEndpoints
{
    /// <summary>spec: relations "recurse": servers SHOULD traverse at least 3 levels.</summary>
    private const int MaxRecursionDepth = 3;

    public static IEndpointRouteBuilder MapRelationsApi(this IEndpointRouteBuilder app)
    {
        app.MapV1("GET", "/rooms/{roomId}/relations/{eventId}", (string roomId, string eventId, HttpRequest request, Requester requester, RoomTimeline timeline,
            HistoryVisibility visibility, RelationAggregator aggregator, ClientEvents clientEvents, CancellationToken ct) =>
            GetRelationsAsync(roomId, eventId, null, null, request, requester, timeline, visibility, aggregator, clientEvents, ct));
        app.MapV1("GET", "/rooms/{roomId}/relations/{eventId}/{relType}", (string roomId, string eventId, string relType, HttpRequest request, Requester requester,
            RoomTimeline timeline, HistoryVisibility visibility, RelationAggregator aggregator, ClientEvents clientEvents, CancellationToken ct) =>
            GetRelationsAsync(roomId, eventId, relType, null, request, requester, timeline, visibility, aggregator, clientEvents, ct));
        app.MapV1("GET", "/rooms/{roomId}/relations/{eventId}/{relType}/{eventType}", (string roomId, string eventId, string relType, string eventType,
            HttpRequest request, Requester requester, RoomTimeline timeline, HistoryVisibility visibility, RelationAggregator aggregator, ClientEvents clientEvents,
            CancellationToken ct) =>
            GetRelationsAsync(roomId, eventId, relType, eventType, request, requester, timeline, visibility, aggregator, clientEvents, ct));
        app.MapV1("GET", "/rooms/{roomId}/threads", GetThreadsAsync);
        app.MapV1("GET", "/rooms/{roomId}/timestamp_to_event", GetEventByTimestampAsync);
        return app;
    }

    private static async Task<IResult> GetRelationsAsync(string roomId, string eventId, string? relType, string? eventType, HttpRequest request, Requester requester,
        RoomTimeline timeline, HistoryVisibility visibility, RelationAggregator aggregator, ClientEvents clientEvents, CancellationToken cancellationToken)
    {
        var room = TimelineQuery.RoomId(roomId);
        var id = TimelineQuery.EventId(eventId);
        var direction = TimelineQuery.Direction(request, PaginationDirection.Backwards);
        bool backwards = direction == PaginationDirection.Backwards;
        int limit = Math.Max(TimelineQuery.Limit(request, 50), 1);
        bool? recurse = string.IsNullOrEmpty(request.Query["recurse"]) ? null : TimelineQuery.Boolean(request, "recurse");
        string? fromText = request.Query["from"];
        string? toText = request.Query["to"];
        long? from = string.IsNullOrEmpty(fromText) ? null : ParseStreamToken(fromText, backwards, "from");
        long? to = string.IsNullOrEmpty(toText) ? null : ParseStreamToken(toText, !backwards, "to");

        var database = timeline.Events.Database;
        var parent = await database.Events.GetEventAsync(id, cancellationToken);
        if (parent is null || parent.RoomId != room || await visibility.GetRoomAccessAsync(requester.UserId, room, cancellationToken) == RoomReadAccess.None
            || !await visibility.CanSeeEventAsync(requester.UserId, parent, cancellationToken, filterIgnored: false))
        {
            throw MatrixException.NotFound("Event not found.");
        }

        List<StoredEvent> page;
        long? next = null;
        int depthReached = 0;
        if (recurse == true)
        {
            // Breadth-first over every relation type, then filter and page in memory: bounded by the depth limit.
            var all = new List<StoredEvent>();
            var level = new List<EventId> { id };
            var seen = new HashSet<EventId> { id };
            for (int depth = 1; depth <= MaxRecursionDepth && level.Count > 0; depth++)
            {
                var children = (await database.Events.GetRelatedEventsAsync(level, [RelationTypes.Thread, RelationTypes.Replace, RelationTypes.Reference,
                    RelationTypes.Annotation], cancellationToken)).Where(c => c.RoomId == room && seen.Add(c.EventId)).ToList();
                if (children.Count > 0)
                {
                    depthReached = depth;
                }
                all.AddRange(children);
                level = children.Select(c => c.EventId).ToList();
            }
            var ordered = all.Where(e => (relType is null || e.RelationType == relType) && (eventType is null || e.Type == eventType))
                .Where(e => from is null || (backwards ? e.StreamPosition.Value < from : e.StreamPosition.Value > from))
                .Where(e => to is null || (backwards ? e.StreamPosition.Value > to : e.StreamPosition.Value < to))
                .OrderBy(e => backwards ? -e.StreamPosition.Value : e.StreamPosition.Value).ToList();
            page = ordered.Take(limit).ToList();
            if (ordered.Count > limit)
            {
                next = page[^1].StreamPosition.Value;
            }
        }
        else
        {
            var chunk = await database.Events.GetRelationsAsync(id, relType, eventType, limit, direction,
                from is { } f ? new StreamPosition(f) : null, cancellationToken);
            page = chunk.Events.Where(e => to is null || (backwards ? e.StreamPosition.Value > to : e.StreamPosition.Value < to)).ToList();
            if (chunk.Limited && page.Count == chunk.Events.Count)
            {
                next = page[^1].StreamPosition.Value;
            }
        }

        var visible = await visibility.FilterVisibleAsync(requester.UserId, room, page, cancellationToken);
        var relations = await aggregator.AggregateAsync(visible, requester.UserId, cancellationToken);
        var body = new JsonObject
        {
            ["chunk"] = ClientEvents.ToJsonArray(await clientEvents.SerializeAsync(visible, requester, includeRoomId: true, relations, cancellationToken)),
        };
        if (next is { } n)
        {
            body["next_batch"] = StreamToken(n);
        }
        if (!string.IsNullOrEmpty(fromText))
        {
            body["prev_batch"] = fromText;
        }
        if (recurse is not null)
        {
            body["recursion_depth"] = recurse == true ? depthReached : 0;
        }
        return MatrixResults.Json(body);
    }

    private static async Task<IResult> GetThreadsAsync(string roomId, HttpRequest request, Requester requester, RoomTimeline timeline,
        HistoryVisibility visibility, RelationAggregator aggregator, ClientEvents clientEvents, CancellationToken cancellationToken)
    {
        var room = TimelineQuery.RoomId(roomId);
        string? include = request.Query["include"];
        bool participated = include switch
        {
            null or "" or "all" => false,
            "participated" => true,
            _ => throw MatrixException.InvalidParam("'include' must be 'all' or 'participated'."),
        };
        string? limitText = request.Query["limit"];
        if (limitText == "0")
        {
            throw MatrixException.InvalidParam("'limit' must be an integer greater than zero.");
        }
        int limit = Math.Max(TimelineQuery.Limit(request, 20, 100), 1);
        string? fromText = request.Query["from"];
        long? before = string.IsNullOrEmpty(fromText) ? null : ParseStreamToken(fromText, upper: true, "from");
        await TimelineQuery.RequireReadAccessAsync(visibility, requester.UserId, room, cancellationToken);

        var database = timeline.Events.Database;
        var roots = await database.Events.GetThreadRootsAsync(room, limit + 1, before is { } b ? new StreamPosition(b) : null,
            participated ? requester.UserId : null, cancellationToken);
        bool more = roots.Count > limit;
        var pageRoots = roots.Take(limit).ToList();
        var found = await database.Events.GetEventsAsync(pageRoots.Select(r => r.Root).ToList(), cancellationToken);
        var events = pageRoots.Where(r => found.ContainsKey(r.Root) && found[r.Root].RoomId == room).Select(r => found[r.Root]).ToList();
        var visible = await visibility.FilterVisibleAsync(requester.UserId, room, events, cancellationToken);
        var relations = await aggregator.AggregateAsync(visible, requester.UserId, cancellationToken);
        var body = new JsonObject
        {
            ["chunk"] = ClientEvents.ToJsonArray(await clientEvents.SerializeAsync(visible, requester, includeRoomId: true, relations, cancellationToken)),
        };
        if (more)
        {
            body["next_batch"] = StreamToken(pageRoots[^1].Latest.Value);
        }
        return MatrixResults.Json(body);
    }

    private static async Task<IResult> GetEventByTimestampAsync(string roomId, HttpRequest request, Requester requester, RoomTimeline timeline,
        HistoryVisibility visibility, CancellationToken cancellationToken)
    {
        var room = TimelineQuery.RoomId(roomId);
        string? tsText = request.Query["ts"];
        if (string.IsNullOrEmpty(tsText))
        {
            throw MatrixException.MissingParam("'ts' is required.");
        }
        if (!long.TryParse(tsText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long ts))
        {
            throw MatrixException.InvalidParam("'ts' must be an integer (milliseconds since the Unix epoch).");
        }
        var direction = TimelineQuery.Direction(request, null);
        await TimelineQuery.RequireReadAccessAsync(visibility, requester.UserId, room, cancellationToken);

        var found = await timeline.Events.Database.Events.GetEventByTimestampAsync(room, ts, direction, cancellationToken);
        if (found is null || !await visibility.CanSeeEventAsync(requester.UserId, found, cancellationToken, filterIgnored: false))
        {
            throw MatrixException.NotFound($"No event found {(direction == PaginationDirection.Forwards ? "after" : "before")} {ts}.");
        }
        return MatrixResults.Json(new JsonObject { ["event_id"] = found.EventId.Value, ["origin_server_ts"] = found.OriginServerTs });
    }

    /// <summary>A relations/threads token: an events-stream position (<c>r{position}</c>); /messages and /sync tokens are accepted too.</summary>
    private static string StreamToken(long position) => string.Create(CultureInfo.InvariantCulture, $"r{position}");

    /// <summary>
    /// The stream position a token names, as an exclusive bound. <paramref name="upper"/>: the bound must include the event at
    /// a /sync token's position (paging backwards from it).
    /// </summary>
    private static long ParseStreamToken(string token, bool upper, string name)
    {
        if (token.Length > 1 && token[0] == 'r' && long.TryParse(token.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long position))
        {
            return position;
        }
        if (TopologicalToken.TryParse(token, out var topological))
        {
            return topological.Stream;
        }
        if (token[0] == 's' && SyncToken.TryParse(token, out var sync))
        {
            return upper ? sync.Events + 1 : sync.Events;
        }
        throw MatrixException.InvalidParam($"'{name}' is not a valid pagination token.");
    }
}
