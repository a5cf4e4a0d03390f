using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Accounts;
using Myelin.Server.Authentication;
using Myelin.Server.ClientApi.Accounts;
using Myelin.Server.Configuration;
using Myelin.Server.Http;
using Myelin.Storage;
using Myelin.Storage.Accounts;

namespace Myelin.Server.ClientApi.Admin;

/// <summary>
/// The parts of Synapse's admin API that tools expect from any homeserver: shared-secret registration
/// (<c>register_new_matrix_user</c>, test suites, benchmarks) and registration tokens.
/// </summary>
public static class SynapseAdminEndpoints
{
    private const string Prefix = "/_synapse/admin/v1";
    private const int MaxTokenLength = 64;
    private const string GeneratedTokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const string TokenAlphabet = GeneratedTokenAlphabet + "._~-";

    public static IEndpointRouteBuilder MapSynapseAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(Prefix + "/register", GetNonce);
        app.MapPost(Prefix + "/register", SharedSecretRegisterAsync);
        app.MapPost(Prefix + "/registration_tokens/new", CreateTokenAsync);
        app.MapGet(Prefix + "/registration_tokens", ListTokensAsync);
        app.MapGet(Prefix + "/registration_tokens/{token}", GetTokenAsync);
        app.MapDelete(Prefix + "/registration_tokens/{token}", DeleteTokenAsync);
        return app;
    }

    private static IResult GetNonce(MyelinConfig config, SharedSecretNonces nonces)
    {
        RequireSharedSecret(config);
        return MatrixResults.Json(new JsonObject { ["nonce"] = nonces.Issue() });
    }

    private static async Task<IResult> SharedSecretRegisterAsync(HttpContext context, MyelinConfig config, SharedSecretNonces nonces,
        AccountService accounts, LoginService login)
    {
        string secret = RequireSharedSecret(config);
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        string nonce = body.RequiredString("nonce");
        string username = body.RequiredString("username");
        string password = body.RequiredString("password");
        string mac = body.RequiredString("mac");
        bool admin = body.OptionalBool("admin") ?? false;
        string? userType = body.OptionalString("user_type");
        string? displayName = body.OptionalString("displayname");
        if (username.Contains('\0', StringComparison.Ordinal) || password.Contains('\0', StringComparison.Ordinal))
        {
            throw MatrixException.InvalidParam("'username' and 'password' must not contain NUL characters.");
        }
        // The nonce is spent before the MAC is checked, so a wrong guess cannot be retried with it.
        if (!nonces.TryConsume(nonce))
        {
            throw new MatrixException(MatrixErrorCodes.Unknown, "Unrecognised or expired nonce.", 400);
        }
        if (!AccountService.VerifySharedSecretMac(secret, nonce, username, password, admin, userType, mac))
        {
            throw MatrixException.Forbidden("HMAC incorrect.");
        }
        var userId = await accounts.RegisterAsync(new RegistrationOptions
        {
            Localpart = username,
            Password = password,
            IsAdmin = admin,
            UserType = userType,
            DisplayName = displayName,
        }, context.RequestAborted);
        var session = await login.CreateSessionAsync(userId, null, null, refreshable: false, context.RequestAborted);
        return MatrixResults.Json(SessionResponses.ToJson(session, config.ServerName.Value));
    }

    private static string RequireSharedSecret(MyelinConfig config) =>
        string.IsNullOrEmpty(config.RegistrationSharedSecret)
            ? throw new MatrixException(MatrixErrorCodes.Unknown, "Shared secret registration is not enabled.", 400)
            : config.RegistrationSharedSecret;

    private static async Task<IResult> CreateTokenAsync(HttpContext context, Requester requester, MyelinDatabase database, TimeProvider time)
    {
        RequireAdmin(requester);
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        string? token = body.OptionalString("token");
        long? usesAllowed = body.OptionalInteger("uses_allowed");
        long? expiryTime = body.OptionalInteger("expiry_time");
        long length = body.OptionalInteger("length") ?? 16;
        if (usesAllowed is < 0 or > int.MaxValue)
        {
            throw MatrixException.InvalidParam("'uses_allowed' must be a non-negative integer.");
        }
        if (expiryTime is { } expiry && expiry < time.GetUtcNow().ToUnixTimeMilliseconds())
        {
            throw MatrixException.InvalidParam("'expiry_time' must not be in the past.");
        }
        if (token is not null)
        {
            if (token.Length is 0 or > MaxTokenLength || token.Any(c => !TokenAlphabet.Contains(c, StringComparison.Ordinal)))
            {
                throw MatrixException.InvalidParam($"'token' must be 1-{MaxTokenLength} characters from [A-Za-z0-9._~-].");
            }
            if (!await database.RegistrationTokens.CreateAsync(token, (int?)usesAllowed, expiryTime, context.RequestAborted))
            {
                throw MatrixException.InvalidParam($"Token already exists: {token}");
            }
        }
        else
        {
            if (length is <= 0 or > MaxTokenLength)
            {
                throw MatrixException.InvalidParam($"'length' must be between 1 and {MaxTokenLength}.");
            }
            do
            {
                token = RandomNumberGenerator.GetString(GeneratedTokenAlphabet, (int)length);
            }
            while (!await database.RegistrationTokens.CreateAsync(token, (int?)usesAllowed, expiryTime, context.RequestAborted));
        }
        var created = await database.RegistrationTokens.GetAsync(token, context.RequestAborted);
        return MatrixResults.Json(ToJson(created!));
    }

    private static async Task<IResult> ListTokensAsync(Requester requester, MyelinDatabase database, HttpContext context)
    {
        RequireAdmin(requester);
        var tokens = await database.RegistrationTokens.ListAsync(context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["registration_tokens"] = new JsonArray([.. tokens.Select(t => (JsonNode)ToJson(t))]) });
    }

    private static async Task<IResult> GetTokenAsync(string token, Requester requester, MyelinDatabase database, HttpContext context)
    {
        RequireAdmin(requester);
        var stored = await database.RegistrationTokens.GetAsync(token, context.RequestAborted)
            ?? throw MatrixException.NotFound($"No such registration token: {token}");
        return MatrixResults.Json(ToJson(stored));
    }

    private static async Task<IResult> DeleteTokenAsync(string token, Requester requester, MyelinDatabase database, HttpContext context)
    {
        RequireAdmin(requester);
        return await database.RegistrationTokens.DeleteAsync(token, context.RequestAborted)
            ? MatrixResults.EmptyObject()
            : throw MatrixException.NotFound($"No such registration token: {token}");
    }

    internal static void RequireAdmin(Requester requester)
    {
        if (!requester.IsAdmin)
        {
            throw MatrixException.Forbidden("You are not a server admin.");
        }
    }

    private static JsonObject ToJson(RegistrationToken token) => new()
    {
        ["token"] = token.Token,
        ["uses_allowed"] = token.UsesAllowed,
        ["pending"] = token.Pending,
        ["completed"] = token.Completed,
        ["expiry_time"] = token.ExpiryTime,
    };
}
