using System.Text.Json;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Http;
using Myelin.Storage;

namespace Myelin.Server.Accounts;

/// <summary>
/// The user-interactive auth flows this server offers and the checks of their stages: <c>m.login.dummy</c> and
/// <c>m.login.registration_token</c> for registration, <c>m.login.password</c> to re-authenticate before
/// sensitive operations. spec: client-server "User-Interactive Authentication API", "Authentication types".
/// </summary>
public sealed class InteractiveAuthStages
{
    public const string Dummy = "m.login.dummy";
    public const string Password = "m.login.password";
    public const string RegistrationToken = "m.login.registration_token";

    private static readonly UiaFlow[] PasswordFlows = [new([Password])];

    private readonly UserInteractiveAuth _uia;
    private readonly LoginService _login;
    private readonly MyelinDatabase _database;
    private readonly MyelinConfig _config;
    private readonly TimeProvider _time;

    public InteractiveAuthStages(UserInteractiveAuth uia, LoginService login, MyelinDatabase database, MyelinConfig config, TimeProvider time)
    {
        _uia = uia;
        _login = login;
        _database = database;
        _config = config;
        _time = time;
    }

    /// <summary>Registration needs a token when <c>registration_requires_token</c> is set, otherwise only the dummy stage.</summary>
    public IReadOnlyList<UiaFlow> RegistrationFlows =>
        _config.RegistrationRequiresToken ? [new([RegistrationToken])] : [new([Dummy])];

    /// <summary>Runs the registration flows; once authenticated, spends the registration token if one was used.</summary>
    public async ValueTask<UiaOutcome> RegisterAsync(JsonElement? auth, CancellationToken cancellationToken)
    {
        var outcome = await _uia.ProcessAsync(auth, RegistrationFlows, "register", (type, dict) => CheckRegistrationStageAsync(type, dict, cancellationToken));
        return outcome;
    }

    /// <summary>Counts a finished registration against the token its UIA session reserved, if any.</summary>
    public async Task CompleteRegistrationAsync(UiaOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.StageResults.TryGetValue(RegistrationToken, out var dict) &&
            dict.TryGetProperty("token", out var token) && token.ValueKind == JsonValueKind.String)
        {
            await _database.RegistrationTokens.CompleteAsync(token.GetString()!, cancellationToken);
        }
    }

    /// <summary>
    /// Re-authentication of <paramref name="user"/> by password before <paramref name="scope"/> (an operation name
    /// that binds the session, e.g. <c>"delete_devices"</c>).
    /// </summary>
    public ValueTask<UiaOutcome> ReauthenticateAsync(JsonElement? auth, UserId user, string scope, CancellationToken cancellationToken) =>
        _uia.ProcessAsync(auth, PasswordFlows, $"{scope}:{user.Value}", (type, dict) => CheckPasswordStageAsync(type, dict, user, cancellationToken));

    private async ValueTask<UiaStageResult> CheckRegistrationStageAsync(string type, JsonElement dict, CancellationToken cancellationToken)
    {
        switch (type)
        {
            case Dummy:
                return UiaStageResult.Ok;
            case RegistrationToken:
                if (!dict.TryGetProperty("token", out var token) || token.ValueKind != JsonValueKind.String)
                {
                    return UiaStageResult.Fail(MatrixErrorCodes.MissingParam, "'token' is required for m.login.registration_token.");
                }
                // spec: "Token-authenticated registration": an invalid token answers 401 M_UNAUTHORIZED.
                return await _database.RegistrationTokens.TryReserveAsync(token.GetString()!, _time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken)
                    ? UiaStageResult.Ok
                    : UiaStageResult.Fail(MatrixErrorCodes.Unauthorized, "Invalid registration token.");
            default:
                return UiaStageResult.Fail(MatrixErrorCodes.Unrecognized, $"Unsupported stage '{type}'.");
        }
    }

    private async ValueTask<UiaStageResult> CheckPasswordStageAsync(string type, JsonElement dict, UserId user, CancellationToken cancellationToken)
    {
        if (type != Password)
        {
            return UiaStageResult.Fail(MatrixErrorCodes.Unrecognized, $"Unsupported stage '{type}'.");
        }
        if (!dict.TryGetProperty("password", out var password) || password.ValueKind != JsonValueKind.String)
        {
            return UiaStageResult.Fail(MatrixErrorCodes.MissingParam, "'password' is required for m.login.password.");
        }
        string? named = null;
        if (dict.TryGetProperty("identifier", out var identifier) && identifier.ValueKind == JsonValueKind.Object)
        {
            if (identifier.TryGetProperty("type", out var idType) && idType.ValueKind == JsonValueKind.String && idType.GetString() == "m.id.user" &&
                identifier.TryGetProperty("user", out var idUser) && idUser.ValueKind == JsonValueKind.String)
            {
                named = idUser.GetString();
            }
            else
            {
                return UiaStageResult.Fail(MatrixErrorCodes.Forbidden, "Only m.id.user identifiers are supported.");
            }
        }
        else if (dict.TryGetProperty("user", out var legacyUser) && legacyUser.ValueKind == JsonValueKind.String)
        {
            named = legacyUser.GetString();
        }
        // The identifier is optional when re-authenticating: the access token already says who the user is.
        if (named is not null && _login.ResolveLocalUser(named) != user)
        {
            return UiaStageResult.Fail(MatrixErrorCodes.Forbidden, "Authenticated user does not match the requester.");
        }
        try
        {
            await _login.CheckPasswordAsync(user, password.GetString()!, cancellationToken);
            return UiaStageResult.Ok;
        }
        catch (MatrixException e)
        {
            return UiaStageResult.Fail(e.ErrCode, "Invalid password.");
        }
    }
}
