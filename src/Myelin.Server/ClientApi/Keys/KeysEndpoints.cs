using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.E2ee;
using Myelin.Server.Http;
using Myelin.Server.Streams;

namespace Myelin.Server.ClientApi.Keys;

/// <summary>Key upload, query, claim and changes. spec: client-server "Key management API" (openapi keys.yaml).</summary>
public static class KeysEndpoints
{
    public static IEndpointRouteBuilder MapKeysApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("POST", "/keys/upload", UploadAsync);
        app.MapV3("POST", "/keys/query", QueryAsync);
        app.MapV3("POST", "/keys/claim", ClaimAsync);
        app.MapV3("GET", "/keys/changes", ChangesAsync);
        return app;
    }

    private static async Task<IResult> UploadAsync(HttpContext context, Requester requester, E2eeKeyService keys)
    {
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        var counts = await keys.UploadAsync(requester.UserId, requester.RequireDevice(), body, context.RequestAborted);
        var json = new JsonObject();
        foreach (var (algorithm, count) in counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            json[algorithm] = count;
        }
        return MatrixResults.Json(new JsonObject { ["one_time_key_counts"] = json });
    }

    private static async Task<IResult> QueryAsync(HttpContext context, Requester requester, E2eeKeyService keys)
    {
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        return MatrixResults.Json(await keys.QueryAsync(requester.UserId, body, context.RequestAborted));
    }

    private static async Task<IResult> ClaimAsync(HttpContext context, Requester requester, E2eeKeyService keys)
    {
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        return MatrixResults.Json(await keys.ClaimAsync(body, context.RequestAborted));
    }

    private static async Task<IResult> ChangesAsync(HttpContext context, Requester requester, E2eeKeyService keys)
    {
        var from = ParseToken(context, "from");
        var to = ParseToken(context, "to");
        var (changed, left) = await keys.GetChangesAsync(requester.UserId, from, to, context.RequestAborted);
        return MatrixResults.Json(new JsonObject
        {
            ["changed"] = new JsonArray([.. changed.Select(u => (JsonNode)u.Value)]),
            ["left"] = new JsonArray([.. left.Select(u => (JsonNode)u.Value)]),
        });
    }

    private static SyncToken ParseToken(HttpContext context, string name)
    {
        string? value = context.Request.Query[name];
        if (value is null)
        {
            throw MatrixException.MissingParam($"'{name}' is required.");
        }
        return SyncToken.TryParse(value, out var token) ? token : throw MatrixException.InvalidParam($"'{name}' is not a sync token.");
    }
}
