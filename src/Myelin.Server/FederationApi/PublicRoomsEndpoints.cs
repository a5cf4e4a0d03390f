using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Federation.Authentication;
using Myelin.Server.Http;
using Myelin.Server.Rooms;

namespace Myelin.Server.FederationApi;

/// <summary>
/// <c>GET</c> and <c>POST /_matrix/federation/v1/publicRooms</c>: our published room directory for other servers.
/// spec: server-server "Published Room Directory"; public_rooms.yaml.
/// </summary>
public static class PublicRoomsEndpoints
{
    public static RouteGroupBuilder MapFederationPublicRoomsApi(this RouteGroupBuilder federation)
    {
        federation.MapGet("/v1/publicRooms", ListAsync).WithName("FederationPublicRoomsList");
        federation.MapPost("/v1/publicRooms", SearchAsync).WithName("FederationPublicRoomsSearch");
        return federation;
    }

    private static async Task<IResult> ListAsync(HttpRequest request, FederationOrigin origin, PublicRoomDirectory directory, CancellationToken cancellationToken)
    {
        _ = origin;
        long? limit = null;
        if ((string?)request.Query["limit"] is { Length: > 0 } text)
        {
            limit = long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long l)
                ? l
                : throw MatrixException.InvalidParam($"'limit' must be a non-negative integer, not '{text}'.");
        }
        bool includeAllNetworks = (string?)request.Query["include_all_networks"] switch
        {
            null or "" or "false" => false,
            "true" => true,
            var other => throw MatrixException.InvalidParam($"'include_all_networks' must be true or false, not '{other}'."),
        };
        string? since = request.Query["since"];
        string? network = request.Query["third_party_instance_id"];
        return MatrixResults.Json(await PageAsync(directory, limit, since, null, null, includeAllNetworks, network, cancellationToken));
    }

    private static async Task<IResult> SearchAsync(HttpContext context, FederationOrigin origin, PublicRoomDirectory directory, CancellationToken cancellationToken)
    {
        _ = origin;
        var body = await context.Request.ReadJsonObjectAsync(cancellationToken);
        long? limit = body.OptionalInteger("limit");
        if (limit < 0)
        {
            throw MatrixException.InvalidParam("'limit' must not be negative.");
        }
        string? since = body.OptionalString("since");
        bool includeAllNetworks = body.OptionalBool("include_all_networks") ?? false;
        string? network = body.OptionalString("third_party_instance_id");
        var (term, roomTypes) = PublicRoomDirectory.ReadFilter(body);
        return MatrixResults.Json(await PageAsync(directory, limit, since, term, roomTypes, includeAllNetworks, network, cancellationToken));
    }

    private static async Task<JsonObject> PageAsync(PublicRoomDirectory directory, long? limit, string? since, string? term, List<string?>? roomTypes,
        bool includeAllNetworks, string? network, CancellationToken cancellationToken)
    {
        // We bridge no third-party networks: a named network lists nothing; "all networks" is just ours.
        if (network is not null && !includeAllNetworks)
        {
            return new JsonObject { ["chunk"] = new JsonArray(), ["total_room_count_estimate"] = 0 };
        }
        var query = new PublicRoomsQuery
        {
            // spec: public_rooms.yaml limit "Defaults to 0 (no limit)".
            Limit = limit is null or 0 ? PublicRoomsQuery.MaxLimit : (int)Math.Min(limit.Value, PublicRoomsQuery.MaxLimit),
            Since = since,
            SearchTerm = term,
            RoomTypes = roomTypes,
        };
        return await directory.GetPageAsync(query, cancellationToken);
    }
}
