using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Accounts;
using Myelin.Server.Authentication;
using Myelin.Server.Configuration;
using Myelin.Server.Http;

namespace Myelin.Server.ClientApi.Accounts;

/// <summary>
/// Login, token refresh, logout and whoami. spec: client-server "Login", "Refreshing access tokens", "Logout",
/// "GET /account/whoami", "POST /login/get_token".
/// </summary>
public static class LoginEndpoints
{
    private const string TokenLogin = "m.login.token";

    public static IEndpointRouteBuilder MapLoginApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("GET", "/login", GetFlows);
        app.MapV3("POST", "/login", LoginAsync);
        app.MapV1("POST", "/login/get_token", GetLoginTokenAsync);
        app.MapV3("POST", "/refresh", RefreshAsync);
        app.MapV3("POST", "/logout", LogoutAsync);
        app.MapV3("POST", "/logout/all", LogoutAllAsync);
        app.MapV3("GET", "/account/whoami", WhoAmI);
        return app;
    }

    private static IResult GetFlows() => MatrixResults.Json(new JsonObject
    {
        ["flows"] = new JsonArray
        {
            new JsonObject { ["type"] = InteractiveAuthStages.Password },
            // spec: get_login_token says POST /login/get_token is available to mint these.
            new JsonObject { ["type"] = TokenLogin, ["get_login_token"] = true },
        },
    });

    private static async Task<IResult> LoginAsync(HttpContext context, LoginService login, MyelinConfig config, RateLimiter limiter)
    {
        var cancellationToken = context.RequestAborted;
        var body = await context.Request.ReadJsonObjectAsync(cancellationToken);
        string type = body.RequiredString("type");
        string? deviceIdText = body.OptionalString("device_id");
        DeviceId? deviceId = deviceIdText is null ? null
            : DeviceId.TryParse(deviceIdText, out var parsed) ? parsed
            : throw MatrixException.InvalidParam("'device_id' is not a valid device ID.");
        string? deviceName = body.OptionalString("initial_device_display_name");
        bool refreshable = body.OptionalBool("refresh_token") ?? false;

        limiter.Acquire(RateLimitAction.Login, RateLimiter.KeyFor(context));
        UserId userId;
        switch (type)
        {
            case InteractiveAuthStages.Password:
            {
                string user = PasswordLoginUser(body);
                string password = body.RequiredString("password");
                var resolved = login.ResolveLocalUser(user) ?? throw MatrixException.Forbidden("Invalid username or password.");
                limiter.Acquire(RateLimitAction.Login, RateLimiter.KeyFor(resolved));
                userId = await login.CheckPasswordAsync(resolved, password, cancellationToken);
                break;
            }
            case TokenLogin:
                userId = await login.ConsumeLoginTokenAsync(body.RequiredString("token"), cancellationToken);
                break;
            default:
                throw new MatrixException(MatrixErrorCodes.Unknown, $"Unknown login type '{type}'.", 400);
        }
        var session = await login.CreateSessionAsync(userId, deviceId, deviceName, refreshable, cancellationToken);
        return MatrixResults.Json(SessionResponses.ToJson(session, config.ServerName.Value));
    }

    /// <summary>The user named by an <c>m.login.password</c> request: <c>identifier</c>, or the deprecated <c>user</c> field.</summary>
    private static string PasswordLoginUser(JsonObject body)
    {
        var identifier = body.OptionalObject("identifier");
        if (identifier is null)
        {
            return body.OptionalString("user")
                ?? throw MatrixException.MissingParam("'identifier' is required.");
        }
        string idType = identifier.RequiredString("type");
        return idType switch
        {
            "m.id.user" => identifier.RequiredString("user"),
            // spec: "Identifier types": no third-party identifiers are bound to accounts on this server.
            "m.id.thirdparty" or "m.id.phone" => throw MatrixException.Forbidden("No account is bound to this third-party identifier."),
            _ => throw new MatrixException(MatrixErrorCodes.Unknown, $"Unknown identifier type '{idType}'.", 400),
        };
    }

    private static async Task<IResult> GetLoginTokenAsync(HttpContext context, Requester requester, LoginService login, InteractiveAuthStages stages)
    {
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        var outcome = await stages.ReauthenticateAsync(body.Auth(), requester.UserId, "get_login_token", context.RequestAborted);
        if (!outcome.Authenticated)
        {
            return MatrixResults.Json(outcome.Challenge!, StatusCodes.Status401Unauthorized);
        }
        var (token, expiresInMs) = await login.CreateLoginTokenAsync(requester.UserId, context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["login_token"] = token, ["expires_in_ms"] = expiresInMs });
    }

    private static async Task<IResult> RefreshAsync(HttpContext context, LoginService login)
    {
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        var session = await login.RefreshAsync(body.RequiredString("refresh_token"), context.RequestAborted);
        return MatrixResults.Json(new JsonObject
        {
            ["access_token"] = session.AccessToken,
            ["refresh_token"] = session.RefreshToken,
            ["expires_in_ms"] = session.ExpiresInMs,
        });
    }

    private static async Task<IResult> LogoutAsync(HttpContext context, Requester requester, LoginService login)
    {
        await login.LogoutAsync(requester, AccessTokens.Read(context.Request)!, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> LogoutAllAsync(HttpContext context, Requester requester, LoginService login)
    {
        await login.LogoutAllAsync(requester.UserId, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static IResult WhoAmI(Requester requester)
    {
        var body = new JsonObject { ["user_id"] = requester.UserId.Value };
        if (requester.DeviceId is { } device)
        {
            body["device_id"] = device.Value;
        }
        body["is_guest"] = requester.IsGuest;
        return MatrixResults.Json(body);
    }
}
