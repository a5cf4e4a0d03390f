using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Accounts;
using Myelin.Server.Authentication;
using Myelin.Server.ClientApi.Accounts;
using Myelin.Server.Http;

namespace Myelin.Server.ClientApi.AccountData;

/// <summary>Account data and room tags. spec: client-server "Client Config", "Room Tagging".</summary>
public static class AccountDataEndpoints
{
    public static IEndpointRouteBuilder MapAccountDataApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("GET", "/user/{userId}/account_data/{type}", GetGlobalAsync);
        app.MapV3("PUT", "/user/{userId}/account_data/{type}", PutGlobalAsync);
        app.MapV3("GET", "/user/{userId}/rooms/{roomId}/account_data/{type}", GetRoomAsync);
        app.MapV3("PUT", "/user/{userId}/rooms/{roomId}/account_data/{type}", PutRoomAsync);
        app.MapV3("GET", "/user/{userId}/rooms/{roomId}/tags", GetTagsAsync);
        app.MapV3("PUT", "/user/{userId}/rooms/{roomId}/tags/{tag}", PutTagAsync);
        app.MapV3("DELETE", "/user/{userId}/rooms/{roomId}/tags/{tag}", DeleteTagAsync);
        return app;
    }

    private static async Task<IResult> GetGlobalAsync(string userId, string type, HttpContext context, Requester requester, AccountDataService accountData) =>
        MatrixResults.Json(await accountData.GetAsync(RequireSelf(userId, requester), null, type, context.RequestAborted));

    private static async Task<IResult> PutGlobalAsync(string userId, string type, HttpContext context, Requester requester, AccountDataService accountData)
    {
        var user = RequireSelf(userId, requester);
        var content = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        await accountData.SetFromClientAsync(user, null, type, content, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> GetRoomAsync(string userId, string roomId, string type, HttpContext context, Requester requester, AccountDataService accountData)
    {
        var user = RequireSelf(userId, requester);
        return MatrixResults.Json(await accountData.GetAsync(user, RequestFields.ParseRoomId(roomId), type, context.RequestAborted));
    }

    private static async Task<IResult> PutRoomAsync(string userId, string roomId, string type, HttpContext context, Requester requester, AccountDataService accountData)
    {
        var user = RequireSelf(userId, requester);
        var room = RequestFields.ParseRoomId(roomId);
        var content = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        await accountData.SetFromClientAsync(user, room, type, content, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> GetTagsAsync(string userId, string roomId, HttpContext context, Requester requester, AccountDataService accountData)
    {
        var user = RequireSelf(userId, requester);
        var tags = await accountData.GetTagsAsync(user, RequestFields.ParseRoomId(roomId), context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["tags"] = tags });
    }

    private static async Task<IResult> PutTagAsync(string userId, string roomId, string tag, HttpContext context, Requester requester, AccountDataService accountData)
    {
        var user = RequireSelf(userId, requester);
        var room = RequestFields.ParseRoomId(roomId);
        var content = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        await accountData.PutTagAsync(user, room, tag, content, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> DeleteTagAsync(string userId, string roomId, string tag, HttpContext context, Requester requester, AccountDataService accountData)
    {
        var user = RequireSelf(userId, requester);
        await accountData.DeleteTagAsync(user, RequestFields.ParseRoomId(roomId), tag, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    /// <summary>spec: only the user themself may read or write their account data (403 <c>M_FORBIDDEN</c>).</summary>
    internal static UserId RequireSelf(string userId, Requester requester)
    {
        var target = RequestFields.ParseUserId(userId);
        return target == requester.UserId ? target : throw MatrixException.Forbidden("You cannot access another user's account data.");
    }
}
