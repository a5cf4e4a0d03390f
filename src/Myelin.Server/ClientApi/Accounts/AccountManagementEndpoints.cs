using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Accounts;
using Myelin.Server.Authentication;
using Myelin.Server.Http;

namespace Myelin.Server.ClientApi.Accounts;

/// <summary>
/// Password change, deactivation and third-party identifiers (none can be bound here: there is no email or
/// SMS verification). spec: client-server "Account registration and management", "Adding Account Administrative Contact Information".
/// </summary>
public static class AccountManagementEndpoints
{
    public static IEndpointRouteBuilder MapAccountManagementApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("POST", "/account/password", ChangePasswordAsync);
        app.MapV3("POST", "/account/deactivate", DeactivateAsync);
        app.MapV3("GET", "/account/3pid", (Requester requester) => MatrixResults.Json(new JsonObject { ["threepids"] = new JsonArray() }));
        app.MapV3("POST", "/account/3pid", ThreepidDeniedAsync);
        app.MapV3("POST", "/account/3pid/add", ThreepidDeniedAsync);
        app.MapV3("POST", "/account/3pid/bind", ThreepidDeniedAsync);
        app.MapV3("POST", "/account/3pid/delete", ThreepidNotFoundAsync);
        app.MapV3("POST", "/account/3pid/unbind", ThreepidNotFoundAsync);
        app.MapV3("POST", "/account/3pid/email/requestToken", () => ThrowDenied());
        app.MapV3("POST", "/account/3pid/msisdn/requestToken", () => ThrowDenied());
        // spec: "M_THREEPID_NOT_FOUND may be returned if no account matching the given email address could be found".
        app.MapV3("POST", "/account/password/email/requestToken", () => ThrowNotFound());
        app.MapV3("POST", "/account/password/msisdn/requestToken", () => ThrowNotFound());
        return app;
    }

    private static async Task<IResult> ChangePasswordAsync(HttpContext context, Requester requester, AccountService accounts, InteractiveAuthStages stages)
    {
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        string newPassword = body.RequiredString("new_password");
        bool logoutDevices = body.OptionalBool("logout_devices") ?? true;
        var outcome = await stages.ReauthenticateAsync(body.Auth(), requester.UserId, "password", context.RequestAborted);
        if (!outcome.Authenticated)
        {
            return MatrixResults.Json(outcome.Challenge!, StatusCodes.Status401Unauthorized);
        }
        await accounts.ChangePasswordAsync(requester.UserId, newPassword, logoutDevices, requester.DeviceId, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> DeactivateAsync(HttpContext context, Requester requester, AccountService accounts, InteractiveAuthStages stages)
    {
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        bool erase = body.OptionalBool("erase") ?? false;
        _ = body.OptionalString("id_server");
        var outcome = await stages.ReauthenticateAsync(body.Auth(), requester.UserId, "deactivate", context.RequestAborted);
        if (!outcome.Authenticated)
        {
            return MatrixResults.Json(outcome.Challenge!, StatusCodes.Status401Unauthorized);
        }
        await accounts.DeactivateAsync(requester.UserId, erase, context.RequestAborted);
        // spec: no identity server bindings exist, so there is nothing to unbind.
        return MatrixResults.Json(new JsonObject { ["id_server_unbind_result"] = "no-support" });
    }

    private static async Task<IResult> ThreepidDeniedAsync(HttpContext context, Requester requester)
    {
        _ = requester;
        await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        return ThrowDenied();
    }

    private static async Task<IResult> ThreepidNotFoundAsync(HttpContext context, Requester requester)
    {
        _ = requester;
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        body.RequiredString("medium");
        body.RequiredString("address");
        return ThrowNotFound();
    }

    private static IResult ThrowDenied() =>
        throw MatrixException.ThreepidDenied("This server does not verify email addresses or phone numbers.");

    private static IResult ThrowNotFound() =>
        throw MatrixException.ThreepidNotFound("No account is bound to this third-party identifier.");
}
