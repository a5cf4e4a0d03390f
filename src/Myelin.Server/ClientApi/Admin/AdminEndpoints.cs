using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.ClientApi.Accounts;
using Myelin.Server.Configuration;
using Myelin.Server.Http;
using Myelin.Storage;
using Myelin.Storage.Users;

namespace Myelin.Server.ClientApi.Admin;

/// <summary>
/// The spec's server administration API: whois, account locking and suspension, and reporting users.
/// spec: client-server "Server Administration", "Reporting content".
/// </summary>
public static class AdminEndpoints
{
    /// <summary>Longest report reason kept (reasons are for humans; this bounds storage).</summary>
    public const int MaxReasonLength = 10_000;

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("GET", "/admin/whois/{userId}", WhoisAsync);
        app.MapV1("GET", "/admin/lock/{userId}", (string userId, HttpContext c, Requester r, MyelinDatabase d, MyelinConfig cfg) =>
            GetFlagAsync(userId, c, r, d, cfg, "locked", a => a.IsLocked));
        app.MapV1("PUT", "/admin/lock/{userId}", (string userId, HttpContext c, Requester r, MyelinDatabase d, MyelinConfig cfg, AccessTokenAuthenticator auth) =>
            SetFlagAsync(userId, c, r, d, cfg, auth, "locked", (u, value, ct) => d.Users.SetLockedAsync(u, value, ct)));
        app.MapV1("GET", "/admin/suspend/{userId}", (string userId, HttpContext c, Requester r, MyelinDatabase d, MyelinConfig cfg) =>
            GetFlagAsync(userId, c, r, d, cfg, "suspended", a => a.IsSuspended));
        app.MapV1("PUT", "/admin/suspend/{userId}", (string userId, HttpContext c, Requester r, MyelinDatabase d, MyelinConfig cfg, AccessTokenAuthenticator auth) =>
            SetFlagAsync(userId, c, r, d, cfg, auth, "suspended", (u, value, ct) => d.Users.SetSuspendedAsync(u, value, ct)));
        app.MapV3("POST", "/users/{userId}/report", ReportUserAsync);
        return app;
    }

    private static async Task<IResult> WhoisAsync(string userId, HttpContext context, Requester requester, MyelinDatabase database)
    {
        var target = RequestFields.ParseUserId(userId);
        if (target != requester.UserId && !requester.IsAdmin)
        {
            throw MatrixException.Forbidden("Only server admins can look up other users.");
        }
        if (!await database.Users.ExistsAsync(target, context.RequestAborted))
        {
            throw MatrixException.NotFound("Unknown user.");
        }
        var devices = new JsonObject();
        foreach (var device in await database.Devices.ListAsync(target, context.RequestAborted))
        {
            var connections = new JsonArray();
            if (device.LastSeenTs is { } seen)
            {
                var connection = new JsonObject { ["last_seen"] = seen };
                if (device.LastSeenIp is not null)
                {
                    connection["ip"] = device.LastSeenIp;
                }
                if (device.LastSeenUserAgent is not null)
                {
                    connection["user_agent"] = device.LastSeenUserAgent;
                }
                connections.Add(connection);
            }
            devices[device.DeviceId.Value] = new JsonObject
            {
                ["sessions"] = new JsonArray { new JsonObject { ["connections"] = connections } },
            };
        }
        return MatrixResults.Json(new JsonObject { ["user_id"] = target.Value, ["devices"] = devices });
    }

    private static async Task<IResult> GetFlagAsync(string userId, HttpContext context, Requester requester, MyelinDatabase database, MyelinConfig config,
        string name, Func<UserAccount, bool> read)
    {
        var account = await TargetAsync(userId, context, requester, database, config, forChange: false);
        return MatrixResults.Json(new JsonObject { [name] = read(account) });
    }

    private static async Task<IResult> SetFlagAsync(string userId, HttpContext context, Requester requester, MyelinDatabase database, MyelinConfig config,
        AccessTokenAuthenticator authenticator, string name, Func<UserId, bool, CancellationToken, Task<bool>> write)
    {
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            throw MatrixException.MissingParam($"'{name}' is required.");
        }
        bool value = node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw MatrixException.BadJson($"'{name}' must be a boolean."),
        };
        var account = await TargetAsync(userId, context, requester, database, config, forChange: true);
        await write(account.UserId, value, context.RequestAborted);
        // Cached tokens carry the old flags; the next request must see the change.
        authenticator.EvictUser(account.UserId);
        return MatrixResults.Json(new JsonObject { [name] = value });
    }

    /// <summary>spec: admin only (403), a local user (400 <c>M_INVALID_PARAM</c>), existing and active (404), not an admin when changing (403).</summary>
    private static async Task<UserAccount> TargetAsync(string userId, HttpContext context, Requester requester, MyelinDatabase database, MyelinConfig config, bool forChange)
    {
        var target = RequestFields.ParseUserId(userId);
        SynapseAdminEndpoints.RequireAdmin(requester);
        if (target.Server != config.ServerName)
        {
            throw MatrixException.InvalidParam("The user does not belong to this server.");
        }
        var account = await database.Users.GetAsync(target, context.RequestAborted);
        if (account is null || account.IsDeactivated)
        {
            throw MatrixException.NotFound("Unknown or deactivated user.");
        }
        if (forChange && account.IsAdmin)
        {
            throw MatrixException.Forbidden("Server admins cannot be locked or suspended.");
        }
        return account;
    }

    private static async Task<IResult> ReportUserAsync(string userId, HttpContext context, Requester requester, MyelinDatabase database, TimeProvider time)
    {
        var target = RequestFields.ParseUserId(userId);
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        string reason = body.RequiredString("reason");
        if (reason.Length > MaxReasonLength)
        {
            throw MatrixException.InvalidParam($"'reason' is too long (at most {MaxReasonLength} characters).");
        }
        if (!await database.Users.ExistsAsync(target, context.RequestAborted))
        {
            throw MatrixException.NotFound("The user was not found.");
        }
        await database.UserReports.AddAsync(requester.UserId, target, reason, time.GetUtcNow().ToUnixTimeMilliseconds(), context.RequestAborted);
        return MatrixResults.EmptyObject();
    }
}
