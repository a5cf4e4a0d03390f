using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.ClientApi.Accounts;
using Myelin.Server.Http;
using Myelin.Server.Profiles;
using Myelin.Storage;

namespace Myelin.Server.ClientApi.Profiles;

/// <summary>Profiles and the user directory. spec: client-server "Profiles", "User directory".</summary>
public static class ProfileEndpoints
{
    /// <summary>The default and largest <c>limit</c> of a user directory search.</summary>
    public const int DefaultSearchLimit = 10;
    public const int MaxSearchLimit = 100;

    public static IEndpointRouteBuilder MapProfileApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("GET", "/profile/{userId}", GetProfileAsync);
        app.MapV3("GET", "/profile/{userId}/{keyName}", GetFieldAsync);
        app.MapV3("PUT", "/profile/{userId}/{keyName}", SetFieldAsync);
        app.MapV3("DELETE", "/profile/{userId}/{keyName}", DeleteFieldAsync);
        app.MapV3("POST", "/user_directory/search", SearchAsync);
        return app;
    }

    private static async Task<IResult> GetProfileAsync(string userId, HttpContext context, ProfileService profiles) =>
        MatrixResults.Json(await profiles.GetAsync(RequestFields.ParseUserId(userId), context.RequestAborted));

    private static async Task<IResult> GetFieldAsync(string userId, string keyName, HttpContext context, ProfileService profiles) =>
        MatrixResults.Json(await profiles.GetFieldAsync(RequestFields.ParseUserId(userId), keyName, context.RequestAborted));

    private static async Task<IResult> SetFieldAsync(string userId, string keyName, HttpContext context, Requester requester, ProfileService profiles)
    {
        var target = RequireSelf(userId, requester);
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        if (!body.TryGetPropertyValue(keyName, out var value))
        {
            throw MatrixException.MissingParam($"The body must contain '{keyName}'.");
        }
        var element = value is null ? JsonSerializer.SerializeToElement<JsonNode?>(null) : JsonSerializer.SerializeToElement(value);
        await profiles.SetFieldAsync(target, keyName, element, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> DeleteFieldAsync(string userId, string keyName, HttpContext context, Requester requester, ProfileService profiles)
    {
        var target = RequireSelf(userId, requester);
        await profiles.DeleteFieldAsync(target, keyName, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static Protocol.Identifiers.UserId RequireSelf(string userId, Requester requester)
    {
        var target = RequestFields.ParseUserId(userId);
        return target == requester.UserId ? target : throw MatrixException.Forbidden("You cannot change another user's profile.");
    }

    private static async Task<IResult> SearchAsync(HttpContext context, Requester requester, MyelinDatabase database)
    {
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        string term = body.RequiredString("search_term");
        long limit = body.OptionalInteger("limit") ?? DefaultSearchLimit;
        if (limit <= 0)
        {
            throw MatrixException.InvalidParam("'limit' must be positive.");
        }
        // spec: the server decides which users are searched: those sharing a room with the requester, or in public rooms.
        var result = await database.UserDirectory.SearchAsync(term, (int)Math.Min(limit, MaxSearchLimit), requester.UserId, context.RequestAborted);
        var results = new JsonArray();
        foreach (var profile in result.Results)
        {
            var entry = new JsonObject { ["user_id"] = profile.UserId.Value };
            if (profile.DisplayName is not null)
            {
                entry["display_name"] = profile.DisplayName;
            }
            if (profile.AvatarUrl is not null)
            {
                entry["avatar_url"] = profile.AvatarUrl;
            }
            results.Add(entry);
        }
        return MatrixResults.Json(new JsonObject { ["results"] = results, ["limited"] = result.Limited });
    }
}
