using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.Http;
using Myelin.Server.Push;

namespace Myelin.Server.ClientApi.Push;

/// <summary>spec: client-server "GET /pushers", "POST /pushers/set" (pusher.yaml).</summary>
public static class PusherEndpoints
{
    public static IEndpointRouteBuilder MapPusherApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("GET", "/pushers", GetPushersAsync);
        app.MapV3("POST", "/pushers/set", SetPusherAsync);
        return app;
    }

    private static async Task<IResult> GetPushersAsync(HttpContext context, Requester requester, PusherService pushers)
    {
        var list = await pushers.ListAsync(requester.UserId, context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["pushers"] = new JsonArray([.. list.Select(p => (JsonNode)PusherService.ToJson(p))]) });
    }

    private static async Task<IResult> SetPusherAsync(HttpContext context, Requester requester, PusherService pushers)
    {
        var body = await context.Request.ReadJsonElementAsync(context.RequestAborted);
        await pushers.SetAsync(requester.UserId, requester.DeviceId, body, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }
}
