using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Authentication;
using Myelin.Server.Http;
using Myelin.Server.Profiles;
using Myelin.Storage;

namespace Myelin.Server.FederationApi;

/// <summary>
/// <c>GET /_matrix/federation/v1/query/directory</c> and <c>/query/profile</c>: what remote servers ask about our
/// aliases and users. spec: server-server "Querying for information"; query.yaml.
/// </summary>
public static class QueryEndpoints
{
    public static RouteGroupBuilder MapFederationQueryApi(this RouteGroupBuilder federation)
    {
        federation.MapGet("/v1/query/directory", QueryDirectoryAsync).WithName("FederationQueryDirectory");
        federation.MapGet("/v1/query/profile", QueryProfileAsync).WithName("FederationQueryProfile");
        return federation;
    }

    private static async Task<IResult> QueryDirectoryAsync(FederationOrigin origin, HttpRequest request, MyelinDatabase database,
        MyelinConfig config, CancellationToken cancellationToken)
    {
        _ = origin;
        string? value = request.Query["room_alias"];
        if (string.IsNullOrEmpty(value))
        {
            throw MatrixException.MissingParam("Missing room_alias.");
        }
        if (!RoomAlias.TryParse(value, out RoomAlias alias))
        {
            throw MatrixException.InvalidParam($"'{value}' is not a room alias.");
        }
        // Only our own aliases are answered: a remote server asks the alias's server.
        if (alias.Server != config.ServerName || await database.RoomAliases.ResolveAsync(alias, cancellationToken) is not { } record)
        {
            throw MatrixException.NotFound("Room alias not found.");
        }
        return MatrixResults.Json(new JsonObject
        {
            ["room_id"] = record.RoomId.Value,
            ["servers"] = new JsonArray(config.ServerName.Value),
        });
    }

    private static async Task<IResult> QueryProfileAsync(FederationOrigin origin, HttpRequest request, ProfileService profiles,
        MyelinConfig config, CancellationToken cancellationToken)
    {
        _ = origin;
        string? value = request.Query["user_id"];
        if (string.IsNullOrEmpty(value))
        {
            throw MatrixException.MissingParam("Missing user_id.");
        }
        if (!UserId.TryParse(value, out UserId userId))
        {
            throw MatrixException.InvalidParam($"'{value}' is not a user ID.");
        }
        // spec: query.yaml user_id "MUST be a user local to the receiving homeserver".
        if (userId.Server != config.ServerName)
        {
            throw MatrixException.InvalidParam("The user is not local to this server.");
        }
        string? field = request.Query["field"];
        var profile = string.IsNullOrEmpty(field)
            ? await profiles.GetAsync(userId, cancellationToken)
            : await profiles.GetFieldAsync(userId, field, cancellationToken);
        return MatrixResults.Json(profile);
    }
}
