using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Acl;
using Myelin.Server.Federation.Authentication;
using Myelin.Server.Federation.Events;
using Myelin.Server.Http;
using Myelin.Server.Rooms;
using Myelin.Server.Visibility;

namespace Myelin.Server.FederationApi;

/// <summary>
/// <c>GET /_matrix/federation/v1/backfill/{roomId}</c> and <c>POST /get_missing_events/{roomId}</c>: history walks over
/// <c>prev_events</c>. Events the origin's users may not see are served redacted. spec: server-server "Backfilling and
/// retrieving missing events"; backfill.yaml.
/// </summary>
public static class BackfillEndpoints
{
    /// <summary>spec: backfill.yaml get_missing_events <c>limit</c> "Defaults to 10".</summary>
    public const int DefaultMissingEventsLimit = 10;

    public static RouteGroupBuilder MapFederationBackfillApi(this RouteGroupBuilder federation)
    {
        federation.MapGet("/v1/backfill/{roomId}", BackfillAsync).WithName("FederationBackfill");
        federation.MapPost("/v1/get_missing_events/{roomId}", GetMissingEventsAsync).WithName("FederationGetMissingEvents");
        return federation;
    }

    private static async Task<IResult> BackfillAsync(string roomId, HttpRequest request, FederationOrigin origin, RoomEvents events,
        RoomServerAclCheck acl, ServerEventVisibility visibility, FederationEventReader reader, MyelinConfig config, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var room = FederationRequestFields.PathRoomId(roomId);
        var from = new List<EventId>();
        foreach (string? value in request.Query["v"])
        {
            from.Add(FederationRequestFields.QueryEventId(value, "v"));
        }
        if (from.Count == 0)
        {
            throw MatrixException.MissingParam("Missing v.");
        }
        string? limitText = request.Query["limit"];
        if (string.IsNullOrEmpty(limitText))
        {
            throw MatrixException.MissingParam("Missing limit.");
        }
        if (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int limit))
        {
            throw MatrixException.InvalidParam("'limit' must be a non-negative integer.");
        }
        await acl.EnsureAllowedAsync(room, origin.ServerName, cancellationToken);
        var starts = (await events.Database.Events.GetEventsAsync(from, cancellationToken)).Values.Where(e => e.RoomId == room).ToList();
        await visibility.EnsureMayReadRoomAsync(room, origin.ServerName, starts, cancellationToken);
        var found = await reader.GetBackfillAsync(room, starts.Select(e => e.EventId).ToList(), limit, cancellationToken);
        var pdus = await reader.ToPdusAsync(room, origin.ServerName, found, applyVisibility: true, cancellationToken);
        return MatrixResults.Json(EventEndpoints.Transaction(config.ServerName, time, pdus));
    }

    private static async Task<IResult> GetMissingEventsAsync(string roomId, HttpContext context, FederationOrigin origin, RoomEvents events,
        RoomServerAclCheck acl, ServerEventVisibility visibility, FederationEventReader reader, CancellationToken cancellationToken)
    {
        var room = FederationRequestFields.PathRoomId(roomId);
        var body = await context.Request.ReadJsonObjectAsync(cancellationToken);
        var earliest = ParseEventIds(body, "earliest_events");
        var latest = ParseEventIds(body, "latest_events");
        long limit = body.OptionalInteger("limit") ?? DefaultMissingEventsLimit;
        long minDepth = body.OptionalInteger("min_depth") ?? 0;
        if (limit < 0)
        {
            throw MatrixException.InvalidParam("'limit' must not be negative.");
        }
        await acl.EnsureAllowedAsync(room, origin.ServerName, cancellationToken);
        var latestEvents = (await events.Database.Events.GetEventsAsync(latest, cancellationToken)).Values.Where(e => e.RoomId == room).ToList();
        await visibility.EnsureMayReadRoomAsync(room, origin.ServerName, latestEvents, cancellationToken);
        var found = await reader.GetMissingEventsAsync(room, earliest, latestEvents.Select(e => e.EventId).ToList(),
            (int)Math.Min(limit, FederationEventReader.MaxEventsPerRequest), minDepth, cancellationToken);
        return MatrixResults.Json(new JsonObject
        {
            ["events"] = await reader.ToPdusAsync(room, origin.ServerName, found, applyVisibility: true, cancellationToken),
        });
    }

    private static List<EventId> ParseEventIds(JsonObject body, string name)
    {
        var values = body.OptionalStringArray(name) ?? throw MatrixException.MissingParam($"'{name}' is required.");
        var ids = new List<EventId>(values.Count);
        foreach (string value in values)
        {
            ids.Add(EventId.TryParse(value, out var id) ? id : throw MatrixException.BadJson($"'{name}' contains an invalid event ID: '{value}'."));
        }
        return ids;
    }
}
