using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.ClientApi.Accounts;
using Myelin.Server.Filters;
using Myelin.Server.Http;

namespace Myelin.Server.ClientApi.Filters;

/// <summary>Uploading and downloading sync filters. spec: client-server "Filtering".</summary>
public static class FilterEndpoints
{
    public static IEndpointRouteBuilder MapFilterApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("POST", "/user/{userId}/filter", CreateAsync);
        app.MapV3("GET", "/user/{userId}/filter/{filterId}", GetAsync);
        return app;
    }

    private static async Task<IResult> CreateAsync(string userId, HttpContext context, Requester requester, FilterService filters)
    {
        var user = RequireSelf(userId, requester);
        var body = await context.Request.ReadJsonElementAsync(context.RequestAborted);
        string id = await filters.CreateAsync(user, body, context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["filter_id"] = id });
    }

    private static async Task<IResult> GetAsync(string userId, string filterId, HttpContext context, Requester requester, FilterService filters)
    {
        var user = RequireSelf(userId, requester);
        var json = await filters.GetJsonAsync(user, filterId, context.RequestAborted);
        return MatrixResults.Json(JsonNode.Parse(json.GetRawText())!);
    }

    private static Protocol.Identifiers.UserId RequireSelf(string userId, Requester requester)
    {
        var target = RequestFields.ParseUserId(userId);
        return target == requester.UserId ? target : throw MatrixException.Forbidden("You cannot use another user's filters.");
    }
}
