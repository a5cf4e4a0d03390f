using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Http;
using Myelin.Storage;

namespace Myelin.Server.ClientApi.Spaces;

/// <summary>
/// GET /v1/mutual_rooms (spec: mutual_rooms.yaml): the rooms both the requester and <c>user_id</c> are joined to, in room
/// ID order, in batches. <c>next_batch</c> names the last room of the batch, so a batch stays stable as rooms come and go.
/// </summary>
public static class MutualRoomsEndpoints
{
    public const int BatchSize = 100;
    private const string TokenPrefix = "m";

    public static IEndpointRouteBuilder MapMutualRoomsApi(this IEndpointRouteBuilder app)
    {
        app.MapV1("GET", "/mutual_rooms", GetMutualRoomsAsync);
        return app;
    }

    private static async Task<IResult> GetMutualRoomsAsync(HttpRequest request, Requester requester, MyelinDatabase database, CancellationToken cancellationToken)
    {
        var values = request.Query["user_id"];
        if (values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            throw MatrixException.MissingParam("'user_id' is required.");
        }
        if (values.Count > 1)
        {
            throw MatrixException.InvalidParam("'user_id' must be given once.");
        }
        // spec: 400 when user_id is "non-compliant" (a historical user ID) or the sender's own user ID.
        if (!UserId.TryParse(values[0], out var other) || !other.IsCompliant)
        {
            throw MatrixException.InvalidParam($"'{values[0]}' is not a valid user ID.");
        }
        if (other == requester.UserId)
        {
            throw MatrixException.InvalidParam("'user_id' must not be your own user ID.");
        }
        string? from = request.Query["from"];
        RoomId? after = null;
        if (!string.IsNullOrEmpty(from))
        {
            if (!from.StartsWith(TokenPrefix, StringComparison.Ordinal) || !RoomId.TryParse(from[TokenPrefix.Length..], out var last))
            {
                throw MatrixException.InvalidParam("'from' is not a valid mutual_rooms token.");
            }
            after = last;
        }

        // spec: an unknown user shares no rooms: an empty list, not an error.
        var mine = await database.Memberships.GetRoomsForUserAsync(requester.UserId, Membership.Join, cancellationToken);
        var theirs = new HashSet<RoomId>(await database.Memberships.GetRoomsForUserAsync(other, Membership.Join, cancellationToken));
        var shared = mine.Where(theirs.Contains).Select(r => r.Value).Order(StringComparer.Ordinal).ToList();
        var remaining = after is { } a ? shared.Where(r => string.CompareOrdinal(r, a.Value) > 0).ToList() : shared;
        var batch = remaining.Take(BatchSize).ToList();

        var body = new JsonObject
        {
            ["joined"] = new JsonArray([.. batch.Select(r => (JsonNode?)r)]),
            ["count"] = shared.Count,
        };
        if (remaining.Count > batch.Count)
        {
            body["next_batch"] = TokenPrefix + batch[^1];
        }
        return MatrixResults.Json(body);
    }
}
