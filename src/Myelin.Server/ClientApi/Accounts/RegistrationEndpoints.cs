using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Accounts;
using Myelin.Server.Configuration;
using Myelin.Server.Http;

namespace Myelin.Server.ClientApi.Accounts;

/// <summary>
/// Account registration: <c>POST /register</c> (user and guest), username availability, registration-token
/// validity, and the 3PID token requests this server refuses. spec: client-server "Account registration and management".
/// </summary>
public static class RegistrationEndpoints
{
    public static IEndpointRouteBuilder MapRegistrationApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("POST", "/register", RegisterAsync);
        app.MapV3("GET", "/register/available", AvailableAsync);
        app.MapV1("GET", "/register/m.login.registration_token/validity", TokenValidityAsync);
        // spec: 3PID validation needs an email/SMS sender this server does not have.
        app.MapV3("POST", "/register/email/requestToken", ThreepidDenied);
        app.MapV3("POST", "/register/msisdn/requestToken", ThreepidDenied);
        return app;
    }

    private static async Task<IResult> RegisterAsync(HttpContext context, AccountService accounts, LoginService login,
        InteractiveAuthStages stages, MyelinConfig config, RateLimiter limiter)
    {
        var cancellationToken = context.RequestAborted;
        string kind = context.Request.Query.TryGetValue("kind", out var kindValues) ? kindValues.ToString() : "user";
        var body = await context.Request.ReadJsonObjectAsync(cancellationToken);
        string? deviceIdText = body.OptionalString("device_id");
        DeviceId? deviceId = deviceIdText is null ? null
            : DeviceId.TryParse(deviceIdText, out var parsedDevice) ? parsedDevice
            : throw MatrixException.InvalidParam("'device_id' is not a valid device ID.");
        string? deviceName = body.OptionalString("initial_device_display_name");
        bool inhibitLogin = body.OptionalBool("inhibit_login") ?? false;
        bool refreshable = body.OptionalBool("refresh_token") ?? false;

        if (kind == "guest")
        {
            // spec: "Guest access": guests register with kind=guest and no credentials.
            if (!config.AllowGuestAccess)
            {
                throw MatrixException.GuestAccessForbidden("Guest access is disabled on this server.");
            }
            limiter.Acquire(RateLimitAction.Registration, RateLimiter.KeyFor(context));
            var guest = await accounts.RegisterAsync(new RegistrationOptions { IsGuest = true }, cancellationToken);
            var guestSession = await login.CreateSessionAsync(guest, deviceId, deviceName, refreshable, cancellationToken);
            return MatrixResults.Json(SessionResponses.ToJson(guestSession, config.ServerName.Value));
        }
        if (kind != "user")
        {
            throw MatrixException.InvalidParam("'kind' must be 'user' or 'guest'.");
        }
        if (!config.EnableRegistration)
        {
            throw MatrixException.Forbidden("Registration has been disabled on this server.");
        }
        string? username = body.OptionalString("username");
        string? password = body.OptionalString("password");
        if (password is { Length: > AccountService.MaxPasswordLength })
        {
            throw MatrixException.InvalidParam($"Password is too long (at most {AccountService.MaxPasswordLength} characters).");
        }
        // Username problems are reported before the client goes through the auth stages (as Synapse does).
        if (username is not null)
        {
            await accounts.CheckAvailableAsync(username, cancellationToken);
        }

        var outcome = await stages.RegisterAsync(body.Auth(), cancellationToken);
        if (!outcome.Authenticated)
        {
            return MatrixResults.Json(outcome.Challenge!, StatusCodes.Status401Unauthorized);
        }
        if (password is null)
        {
            throw MatrixException.MissingParam("'password' is required.");
        }
        limiter.Acquire(RateLimitAction.Registration, RateLimiter.KeyFor(context));
        var userId = await accounts.RegisterAsync(new RegistrationOptions { Localpart = username, Password = password }, cancellationToken);
        await stages.CompleteRegistrationAsync(outcome, cancellationToken);
        if (inhibitLogin)
        {
            return MatrixResults.Json(new JsonObject { ["user_id"] = userId.Value, ["home_server"] = config.ServerName.Value });
        }
        var session = await login.CreateSessionAsync(userId, deviceId, deviceName, refreshable, cancellationToken);
        return MatrixResults.Json(SessionResponses.ToJson(session, config.ServerName.Value));
    }

    private static async Task<IResult> AvailableAsync(HttpContext context, AccountService accounts)
    {
        string? username = context.Request.Query["username"];
        if (string.IsNullOrEmpty(username))
        {
            throw MatrixException.MissingParam("'username' query parameter is required.");
        }
        await accounts.CheckAvailableAsync(username, context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["available"] = true });
    }

    private static async Task<IResult> TokenValidityAsync(HttpContext context, MyelinConfig config, Storage.MyelinDatabase database, TimeProvider time)
    {
        string? token = context.Request.Query["token"];
        if (string.IsNullOrEmpty(token))
        {
            throw MatrixException.MissingParam("'token' query parameter is required.");
        }
        if (!config.EnableRegistration)
        {
            throw MatrixException.Forbidden("Registration is not enabled on this homeserver.");
        }
        var stored = await database.RegistrationTokens.GetAsync(token, context.RequestAborted);
        bool valid = stored is not null && stored.IsValidAt(time.GetUtcNow().ToUnixTimeMilliseconds());
        return MatrixResults.Json(new JsonObject { ["valid"] = valid });
    }

    private static IResult ThreepidDenied() =>
        throw MatrixException.ThreepidDenied("This server does not verify email addresses or phone numbers.");
}
