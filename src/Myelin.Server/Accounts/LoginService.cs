using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Configuration;
using Myelin.Server.E2ee;
using Myelin.Server.Http;
using Myelin.Storage;
using Myelin.Storage.Accounts;

namespace Myelin.Server.Accounts;

/// <summary>
/// Login sessions: checks credentials, creates (or reuses) devices and issues access/refresh tokens, exchanges
/// refresh tokens, logs out. spec: client-server "Login", "Refreshing access tokens", "Logout".
/// </summary>
public sealed class LoginService
{
    /// <summary>Lifetime of an access token issued with a refresh token (Synapse's default is 5 minutes).</summary>
    public static readonly TimeSpan RefreshableAccessTokenLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Lifetime of an <c>m.login.token</c> from <c>/login/get_token</c>.</summary>
    public static readonly TimeSpan LoginTokenLifetime = TimeSpan.FromMinutes(2);

    private readonly MyelinDatabase _database;
    private readonly MyelinConfig _config;
    private readonly PasswordHasher _hasher;
    private readonly AccessTokenAuthenticator _authenticator;
    private readonly TimeProvider _time;
    private readonly E2eeKeyService _keys;

    public LoginService(MyelinDatabase database, MyelinConfig config, PasswordHasher hasher, AccessTokenAuthenticator authenticator, TimeProvider time,
        E2eeKeyService keys)
    {
        _keys = keys;
        _database = database;
        _config = config;
        _hasher = hasher;
        _authenticator = authenticator;
        _time = time;
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// The local user named by a login identifier: a localpart or a full user ID (case-insensitively, as
    /// registration lower-cases). Null when it names another server or is not a user ID at all.
    /// </summary>
    public UserId? ResolveLocalUser(string user)
    {
        ArgumentNullException.ThrowIfNull(user);
        string candidate = user.StartsWith('@') ? user : $"@{user}:{_config.ServerName.Value}";
        if (!UserId.TryParse(candidate, out var id) || id.Server != _config.ServerName)
        {
            return null;
        }
        // Registration only creates lower-case localparts; clients often send what the user typed.
        return UserId.TryParse($"@{id.Localpart.ToLowerInvariant()}:{id.Server.Value}", out var lower) ? lower : id;
    }

    /// <summary>
    /// Checks a password: the user if it is right, otherwise 403 <c>M_FORBIDDEN</c> (or <c>M_USER_DEACTIVATED</c>
    /// for a deactivated account, which can never log in). Unknown users get the same answer as wrong passwords.
    /// </summary>
    public async Task<UserId> CheckPasswordAsync(UserId userId, string password, CancellationToken cancellationToken)
    {
        var account = await _database.Users.GetAsync(userId, cancellationToken);
        if (account is { IsDeactivated: true })
        {
            throw MatrixException.UserDeactivated();
        }
        if (account is null || !_hasher.Verify(password, account.PasswordHash))
        {
            throw MatrixException.Forbidden("Invalid username or password.");
        }
        return userId;
    }

    /// <summary>
    /// Starts a session for <paramref name="userId"/>. An existing <paramref name="deviceId"/> of the user is
    /// reused and its previous tokens are revoked; otherwise the device is created (with a new ID when none is given).
    /// spec: client-server "POST /login" <c>device_id</c>.
    /// </summary>
    public async Task<LoginSession> CreateSessionAsync(UserId userId, DeviceId? deviceId, string? initialDisplayName, bool refreshable, CancellationToken cancellationToken)
    {
        long now = Now;
        DeviceId device;
        if (deviceId is { } requested)
        {
            device = requested;
            if (!await _database.Devices.CreateAsync(userId, device, initialDisplayName, now, cancellationToken))
            {
                await _database.AccessTokens.DeleteForDeviceAsync(userId, device, cancellationToken);
                _authenticator.EvictUser(userId, device);
            }
        }
        else
        {
            device = DeviceId.New();
            while (!await _database.Devices.CreateAsync(userId, device, initialDisplayName, now, cancellationToken))
            {
                device = DeviceId.New();
            }
        }
        return await IssueTokensAsync(userId, device, refreshable, cancellationToken);
    }

    private async Task<LoginSession> IssueTokensAsync(UserId userId, DeviceId device, bool refreshable, CancellationToken cancellationToken)
    {
        long now = Now;
        string accessToken = AccessTokens.Generate();
        if (!refreshable)
        {
            await _database.AccessTokens.AddAsync(accessToken, userId, device, now, cancellationToken: cancellationToken);
            return new LoginSession(userId, device, accessToken, null, null);
        }
        string refreshToken = AccessTokens.Generate("myr_");
        long lifetime = (long)RefreshableAccessTokenLifetime.TotalMilliseconds;
        long refreshId = await _database.AccessTokens.AddRefreshTokenAsync(refreshToken, userId, device, now, cancellationToken: cancellationToken);
        await _database.AccessTokens.AddAsync(accessToken, userId, device, now, now + lifetime, refreshId, cancellationToken);
        return new LoginSession(userId, device, accessToken, refreshToken, lifetime);
    }

    /// <summary>
    /// Exchanges a refresh token for a new access/refresh pair; the old pair stops working.
    /// Unknown or expired → 401 <c>M_UNKNOWN_TOKEN</c> with <c>soft_logout: false</c>. spec: client-server "POST /refresh".
    /// </summary>
    public async Task<LoginSession> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        long now = Now;
        var old = await _database.AccessTokens.GetRefreshTokenAsync(refreshToken, cancellationToken);
        if (old is null || old.IsExpiredAt(now))
        {
            throw MatrixException.UnknownToken("Unknown or expired refresh token.", softLogout: false);
        }
        var account = await _database.Users.GetAsync(old.UserId, cancellationToken);
        if (account is null || account.IsDeactivated)
        {
            throw MatrixException.UnknownToken("Unknown or expired refresh token.", softLogout: false);
        }
        string accessToken = AccessTokens.Generate();
        string newRefresh = AccessTokens.Generate("myr_");
        long lifetime = (long)RefreshableAccessTokenLifetime.TotalMilliseconds;
        var refreshed = await _database.AccessTokens.RefreshAsync(refreshToken, accessToken, now + lifetime, newRefresh, null, now, cancellationToken)
            ?? throw MatrixException.UnknownToken("Unknown or expired refresh token.", softLogout: false);
        // The access tokens issued with the old refresh token are gone from storage; forget cached ones too.
        _authenticator.EvictUser(refreshed.UserId, refreshed.DeviceId);
        return new LoginSession(refreshed.UserId, refreshed.DeviceId, accessToken, newRefresh, lifetime);
    }

    /// <summary>Creates a single-use <c>m.login.token</c> for the user. spec: client-server "POST /login/get_token".</summary>
    public async Task<(string Token, long ExpiresInMs)> CreateLoginTokenAsync(UserId userId, CancellationToken cancellationToken)
    {
        long now = Now;
        string token = AccessTokens.Generate("myl_");
        long lifetime = (long)LoginTokenLifetime.TotalMilliseconds;
        await _database.UserTokens.AddAsync(UserTokenKind.Login, token, userId, now, now + lifetime, cancellationToken);
        return (token, lifetime);
    }

    /// <summary>Spends a login token: its user, or 403 <c>M_FORBIDDEN</c> when it is unknown, used or expired.</summary>
    public async Task<UserId> ConsumeLoginTokenAsync(string token, CancellationToken cancellationToken)
    {
        var user = await _database.UserTokens.ConsumeAsync(UserTokenKind.Login, token, Now, cancellationToken)
            ?? throw MatrixException.Forbidden("Invalid or expired login token.");
        var account = await _database.Users.GetAsync(user, cancellationToken);
        if (account is null || account.IsDeactivated)
        {
            throw MatrixException.UserDeactivated();
        }
        return user;
    }

    /// <summary>Logs out the requester's session: deletes its device (with all its tokens), or just the token when it has no device.</summary>
    public async Task LogoutAsync(Requester requester, string accessToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requester);
        if (requester.DeviceId is { } device)
        {
            bool deleted = await _database.Devices.DeleteAsync(requester.UserId, [device], cancellationToken) > 0;
            _authenticator.EvictUser(requester.UserId, device);
            if (deleted)
            {
                // The device's keys went with it: users sharing a room must re-query (device_lists.changed) now.
                await _keys.NotifyDeviceListChangeAsync(requester.UserId, cancellationToken);
            }
        }
        else
        {
            await _database.AccessTokens.DeleteAsync(accessToken, cancellationToken);
        }
        _authenticator.Evict(accessToken);
    }

    /// <summary>Logs out every session of the user: all devices and tokens. spec: client-server "POST /logout/all".</summary>
    public async Task LogoutAllAsync(UserId userId, CancellationToken cancellationToken)
    {
        var devices = await _database.Devices.ListAsync(userId, cancellationToken);
        if (devices.Count > 0)
        {
            await _database.Devices.DeleteAsync(userId, devices.Select(d => d.DeviceId).ToArray(), cancellationToken);
        }
        await _database.AccessTokens.DeleteAllForUserAsync(userId, cancellationToken: cancellationToken);
        _authenticator.EvictUser(userId);
        if (devices.Count > 0)
        {
            await _keys.NotifyDeviceListChangeAsync(userId, cancellationToken);
        }
    }
}
