using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.Http;
using Myelin.Server.Search;

namespace Myelin.Server.ClientApi.Search;

/// <summary>spec: client-server "POST /search" (search.yaml).</summary>
public static class SearchEndpoints
{
    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("POST", "/search", SearchAsync);
        return app;
    }

    private static async Task<IResult> SearchAsync(HttpContext context, Requester requester, SearchService search)
    {
        var body = await context.Request.ReadJsonElementAsync(context.RequestAborted);
        string? nextBatch = context.Request.Query.ContainsKey("next_batch") ? context.Request.Query["next_batch"].ToString() : null;
        var request = SearchRequestParser.Parse(body, nextBatch);
        var categories = new JsonObject();
        if (request is not null)
        {
            categories["room_events"] = await search.SearchAsync(requester, request, context.RequestAborted);
        }
        return MatrixResults.Json(new JsonObject { ["search_categories"] = categories });
    }
}
