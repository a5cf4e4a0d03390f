using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Keys;
using Myelin.Server.Http;
using Myelin.Server.ServerKeys;

namespace Myelin.Server.FederationApi;

/// <summary>
/// <c>/_matrix/key/v2/server</c> (our keys) and <c>/_matrix/key/v2/query</c> (other servers' keys, as a notary).
/// Neither needs request authentication: a server asks for keys before it can check signatures.
/// spec: server-server "Retrieving server keys"; keys_server.yaml, keys_query.yaml.
/// </summary>
public static class ServerKeyEndpoints
{
    public static IEndpointRouteBuilder MapServerKeyApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_matrix/key/v2/server", (ServerKeyRing keys) => Results.Bytes(keys.GetPublishedKeys(), "application/json"))
            .WithName("GetServerKeys");
        app.MapGet("/_matrix/key/v2/query/{serverName}", QueryOneAsync).WithName("QueryServerKeys");
        app.MapPost("/_matrix/key/v2/query", QueryManyAsync).WithName("BulkQueryServerKeys");
        return app;
    }

    private static async Task<IResult> QueryOneAsync(string serverName, HttpRequest request, RemoteServerKeys remoteKeys, ServerKeyRing own,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (!ServerName.TryParse(serverName, out ServerName server))
        {
            throw MatrixException.InvalidParam($"'{serverName}' is not a server name.");
        }
        long minimum = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (request.Query.TryGetValue("minimum_valid_until_ts", out var value))
        {
            if (!long.TryParse(value.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out minimum))
            {
                throw MatrixException.InvalidParam("minimum_valid_until_ts must be an integer.");
            }
        }
        var result = new JsonArray();
        await AddSignedAsync(result, server, minimum, remoteKeys, own, cancellationToken);
        return MatrixResults.Json(new JsonObject { ["server_keys"] = result });
    }

    private static async Task<IResult> QueryManyAsync(HttpRequest request, RemoteServerKeys remoteKeys, ServerKeyRing own,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var body = await request.ReadJsonElementAsync(cancellationToken);
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("The request body must be a JSON object.");
        }
        if (!body.TryGetProperty("server_keys", out var serverKeys))
        {
            throw MatrixException.MissingParam("Missing server_keys.");
        }
        if (serverKeys.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("server_keys must be an object.");
        }
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var queries = new List<(ServerName Server, long Minimum)>();
        foreach (var entry in serverKeys.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Object)
            {
                throw MatrixException.BadJson($"server_keys.{entry.Name} must be an object.");
            }
            // The notary may return every key whatever key IDs are asked for; the criteria only raise the minimum validity.
            long minimum = now;
            foreach (var criteria in entry.Value.EnumerateObject())
            {
                if (criteria.Value.ValueKind != JsonValueKind.Object)
                {
                    throw MatrixException.BadJson($"server_keys.{entry.Name}.{criteria.Name} must be an object.");
                }
                if (criteria.Value.TryGetProperty("minimum_valid_until_ts", out var ts))
                {
                    if (ts.ValueKind != JsonValueKind.Number || !ts.TryGetInt64(out long requested))
                    {
                        throw MatrixException.BadJson($"server_keys.{entry.Name}.{criteria.Name}.minimum_valid_until_ts must be an integer.");
                    }
                    minimum = Math.Max(minimum, requested);
                }
            }
            // A name that is not a server name cannot be fetched: it is left out, like an unreachable server.
            if (ServerName.TryParse(entry.Name, out ServerName server))
            {
                queries.Add((server, minimum));
            }
        }
        var result = new JsonArray();
        foreach (var (server, minimum) in queries)
        {
            await AddSignedAsync(result, server, minimum, remoteKeys, own, cancellationToken);
        }
        return MatrixResults.Json(new JsonObject { ["server_keys"] = result });
    }

    /// <summary>Adds <paramref name="server"/>'s key document, countersigned by us, if we have or can fetch one.</summary>
    private static async Task AddSignedAsync(JsonArray result, ServerName server, long minimum, RemoteServerKeys remoteKeys, ServerKeyRing own,
        CancellationToken cancellationToken)
    {
        if (await remoteKeys.GetKeyDocumentAsync(server, minimum, cancellationToken) is not { } document)
        {
            return;
        }
        // spec: keys_query "The receiving (notary) server must sign the keys returned by the queried server."
        byte[] signed = JsonSigning.Sign(document, own.ServerName.Value, own.SigningKey);
        result.Add(JsonNode.Parse(signed));
    }
}
