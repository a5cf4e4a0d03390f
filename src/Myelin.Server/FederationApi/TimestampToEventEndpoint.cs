using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Federation.Acl;
using Myelin.Server.Federation.Authentication;
using Myelin.Server.Http;
using Myelin.Server.Rooms;
using Myelin.Server.Visibility;
using Myelin.Storage.Events;

namespace Myelin.Server.FederationApi;

/// <summary>
/// <c>GET /_matrix/federation/v1/timestamp_to_event/{roomId}?ts=&amp;dir=</c>: the event closest to a time, for a
/// server in the room (ACL first). spec: server-server "Retrieving events"; events.yaml timestamp_to_event.
/// </summary>
public static class TimestampToEventEndpoint
{
    public static RouteGroupBuilder MapFederationTimestampToEventApi(this RouteGroupBuilder federation)
    {
        federation.MapGet("/v1/timestamp_to_event/{roomId}", GetAsync).WithName("FederationTimestampToEvent");
        return federation;
    }

    private static async Task<IResult> GetAsync(string roomId, HttpRequest request, FederationOrigin origin, RoomEvents events,
        RoomServerAclCheck acl, ServerEventVisibility visibility, CancellationToken cancellationToken)
    {
        var room = FederationRequestFields.PathRoomId(roomId);
        string? tsText = request.Query["ts"];
        if (string.IsNullOrEmpty(tsText))
        {
            throw MatrixException.MissingParam("Missing ts.");
        }
        if (!long.TryParse(tsText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long ts))
        {
            throw MatrixException.InvalidParam($"'ts' must be an integer, not '{tsText}'.");
        }
        var direction = (string?)request.Query["dir"] switch
        {
            null or "" => throw MatrixException.MissingParam("Missing dir."),
            "f" => PaginationDirection.Forwards,
            "b" => PaginationDirection.Backwards,
            var other => throw MatrixException.InvalidParam($"'dir' must be 'f' or 'b', not '{other}'."),
        };
        await acl.EnsureAllowedAsync(room, origin.ServerName, cancellationToken);
        await visibility.EnsureMayReadRoomAsync(room, origin.ServerName, [], cancellationToken);
        var found = await events.Database.Events.GetEventByTimestampAsync(room, ts, direction, cancellationToken)
            ?? throw MatrixException.NotFound($"No event found {(direction == PaginationDirection.Forwards ? "after" : "before")} {ts} in {room}.");
        return MatrixResults.Json(new JsonObject
        {
            ["event_id"] = found.EventId.Value,
            ["origin_server_ts"] = found.OriginServerTs,
        });
    }
}
