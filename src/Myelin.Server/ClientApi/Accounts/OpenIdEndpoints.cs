using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.Configuration;
using Myelin.Server.Http;
using Myelin.Storage;
using Myelin.Storage.Accounts;

namespace Myelin.Server.ClientApi.Accounts;

/// <summary>
/// OpenID tokens that let third parties (integration managers, widgets) verify a user's identity, and the
/// federation endpoint they verify them with. spec: client-server "OpenID", server-server "OpenID".
/// </summary>
public static class OpenIdEndpoints
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);

    public static IEndpointRouteBuilder MapOpenIdApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("POST", "/user/{userId}/openid/request_token", RequestTokenAsync);
        app.MapGet("/_matrix/federation/v1/openid/userinfo", UserInfoAsync);
        return app;
    }

    private static async Task<IResult> RequestTokenAsync(string userId, HttpContext context, Requester requester, MyelinDatabase database,
        MyelinConfig config, TimeProvider time)
    {
        var target = RequestFields.ParseUserId(userId);
        if (target != requester.UserId)
        {
            throw MatrixException.Forbidden("You can only request OpenID tokens for yourself.");
        }
        await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        string token = AccessTokens.Generate("myo_");
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await database.UserTokens.AddAsync(UserTokenKind.OpenId, token, target, now, now + (long)TokenLifetime.TotalMilliseconds, context.RequestAborted);
        return MatrixResults.Json(new JsonObject
        {
            ["access_token"] = token,
            ["token_type"] = "Bearer",
            ["matrix_server_name"] = config.ServerName.Value,
            ["expires_in"] = (long)TokenLifetime.TotalSeconds,
        });
    }

    private static async Task<IResult> UserInfoAsync(HttpContext context, MyelinDatabase database, TimeProvider time)
    {
        string? token = context.Request.Query["access_token"];
        if (string.IsNullOrEmpty(token))
        {
            throw MatrixException.MissingToken("The access_token query parameter is required.");
        }
        var user = await database.UserTokens.GetAsync(UserTokenKind.OpenId, token, time.GetUtcNow().ToUnixTimeMilliseconds(), context.RequestAborted)
            ?? throw MatrixException.UnknownToken("Unknown or expired OpenID token.");
        return MatrixResults.Json(new JsonObject { ["sub"] = user.Value });
    }
}
