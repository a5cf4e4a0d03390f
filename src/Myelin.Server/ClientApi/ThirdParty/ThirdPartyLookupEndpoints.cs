using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Http;

namespace Myelin.Server.ClientApi.ThirdParty;

/// <summary>
/// The third-party lookup endpoints (spec: client-server "Third-party Networks", third_party_lookup.yaml). Protocols
/// come from application services (bridges); this server has none registered, so it knows no protocol: the protocol
/// list is empty, a named protocol is 404 M_NOT_FOUND, and reverse lookups by alias or user ID find nothing.
/// </summary>
public static class ThirdPartyLookupEndpoints
{
    public static IEndpointRouteBuilder MapThirdPartyApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("GET", "/thirdparty/protocols", GetProtocols);
        app.MapV3("GET", "/thirdparty/protocol/{protocol}", GetProtocol);
        app.MapV3("GET", "/thirdparty/location/{protocol}", GetLocationsByProtocol);
        app.MapV3("GET", "/thirdparty/user/{protocol}", GetUsersByProtocol);
        app.MapV3("GET", "/thirdparty/location", GetLocationsByAlias);
        app.MapV3("GET", "/thirdparty/user", GetUsersByUserId);
        return app;
    }

    private static IResult GetProtocols(Requester requester)
    {
        _ = requester;
        return MatrixResults.EmptyObject();
    }

    // spec: getProtocolMetadata 404 "The protocol is unknown."
    private static IResult GetProtocol(string protocol, Requester requester)
    {
        _ = requester;
        throw UnknownProtocol(protocol);
    }

    // spec: queryLocationByProtocol 404 "No portal rooms were found." (an unknown protocol has none).
    private static IResult GetLocationsByProtocol(string protocol, Requester requester)
    {
        _ = requester;
        throw UnknownProtocol(protocol);
    }

    // spec: queryUserByProtocol 404 "The Matrix User ID was not found." (an unknown protocol has no users).
    private static IResult GetUsersByProtocol(string protocol, Requester requester)
    {
        _ = requester;
        throw UnknownProtocol(protocol);
    }

    /// <summary>Reverse lookup of a room alias: no protocol can claim it, so the list of locations is empty.</summary>
    private static IResult GetLocationsByAlias(HttpRequest request, Requester requester)
    {
        _ = requester;
        string? alias = request.Query["alias"];
        if (string.IsNullOrEmpty(alias))
        {
            throw MatrixException.MissingParam("'alias' is required.");
        }
        if (!RoomAlias.TryParse(alias, out _))
        {
            throw MatrixException.InvalidParam($"'{alias}' is not a valid room alias.");
        }
        return MatrixResults.Json(new JsonArray());
    }

    /// <summary>Reverse lookup of a Matrix user: no protocol can claim them, so the list of third-party users is empty.</summary>
    private static IResult GetUsersByUserId(HttpRequest request, Requester requester)
    {
        _ = requester;
        string? userId = request.Query["userid"];
        if (string.IsNullOrEmpty(userId))
        {
            throw MatrixException.MissingParam("'userid' is required.");
        }
        if (!UserId.TryParse(userId, out _))
        {
            throw MatrixException.InvalidParam($"'{userId}' is not a valid user ID.");
        }
        return MatrixResults.Json(new JsonArray());
    }

    private static MatrixException UnknownProtocol(string protocol) => MatrixException.NotFound($"Unknown third-party protocol '{protocol}'.");
}
