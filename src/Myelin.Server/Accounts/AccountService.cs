using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Configuration;
using Myelin.Server.Http;
using Myelin.Storage;
using Myelin.Storage.Users;

namespace Myelin.Server.Accounts;

/// <summary>
/// Creating, changing and deactivating local accounts. spec: client-server "Account registration and management".
/// </summary>
public sealed class AccountService
{
    /// <summary>Longest password accepted (as Synapse): hashing megabytes is a cheap denial of service.</summary>
    public const int MaxPasswordLength = 512;

    private readonly MyelinDatabase _database;
    private readonly MyelinConfig _config;
    private readonly PasswordHasher _hasher;
    private readonly AccessTokenAuthenticator _authenticator;
    private readonly IServiceProvider? _services;
    private readonly TimeProvider _time;

    /// <param name="services">Resolves the registered <see cref="IAccountDeactivationHandler"/>s; null runs none (CLI use).</param>
    public AccountService(MyelinDatabase database, MyelinConfig config, PasswordHasher hasher, AccessTokenAuthenticator authenticator,
        TimeProvider time, IServiceProvider? services = null)
    {
        _database = database;
        _config = config;
        _hasher = hasher;
        _authenticator = authenticator;
        _time = time;
        _services = services;
    }

    /// <summary>
    /// Validates a desired localpart for a new account and returns the user ID it would get: 400
    /// <c>M_INVALID_USERNAME</c> when it breaks the grammar, is numeric (reserved for guests), starts with '_'
    /// (reserved for application services) or is too long. spec: appendices "User Identifiers".
    /// </summary>
    public UserId ValidateNewLocalpart(string localpart)
    {
        ArgumentNullException.ThrowIfNull(localpart);
        string lower = localpart.ToLowerInvariant();
        if (!UserId.IsValidNewLocalpart(lower))
        {
            throw MatrixException.InvalidUsername("User ID can only contain characters a-z, 0-9, or '._=-/+'.");
        }
        if (lower.All(char.IsAsciiDigit))
        {
            throw MatrixException.InvalidUsername("Numeric user IDs are reserved for guest users.");
        }
        if (lower[0] == '_')
        {
            throw MatrixException.InvalidUsername("User IDs starting with '_' are reserved.");
        }
        try
        {
            return UserId.Create(lower, _config.ServerName);
        }
        catch (ArgumentException)
        {
            throw MatrixException.InvalidUsername("User ID is too long.");
        }
    }

    /// <summary>Whether a localpart can be registered: its user ID, or 400 <c>M_INVALID_USERNAME</c> / <c>M_USER_IN_USE</c>.</summary>
    public async Task<UserId> CheckAvailableAsync(string localpart, CancellationToken cancellationToken = default)
    {
        var userId = ValidateNewLocalpart(localpart);
        if (await _database.Users.ExistsAsync(userId, cancellationToken))
        {
            throw MatrixException.UserInUse();
        }
        return userId;
    }

    /// <summary>
    /// Creates an account. Throws <see cref="MatrixException"/> with <c>M_INVALID_USERNAME</c> / <c>M_USER_IN_USE</c> /
    /// <c>M_INVALID_PARAM</c> (password too long). The CLI's <c>register-user</c> calls this.
    /// </summary>
    public async Task<UserId> RegisterAsync(RegistrationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Password is { Length: > MaxPasswordLength })
        {
            throw MatrixException.InvalidParam($"Password is too long (at most {MaxPasswordLength} characters).");
        }
        string? hash = options.Password is null ? null : _hasher.Hash(options.Password);
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (options.Localpart is null)
        {
            // Guests get numeric localparts, which normal registration refuses (so the two never collide).
            while (true)
            {
                var candidate = UserId.Create(RandomNumberGenerator.GetInt32(1, int.MaxValue).ToString(CultureInfo.InvariantCulture), _config.ServerName);
                if (await _database.Users.CreateAsync(NewUser(candidate, hash, now, options), cancellationToken))
                {
                    return candidate;
                }
            }
        }
        var userId = ValidateNewLocalpart(options.Localpart);
        if (!await _database.Users.CreateAsync(NewUser(userId, hash, now, options), cancellationToken))
        {
            throw MatrixException.UserInUse();
        }
        return userId;
    }

    /// <summary>Convenience for the CLI: registers <paramref name="localpart"/> with a password.</summary>
    public Task<UserId> RegisterAsync(string localpart, string password, bool isAdmin, CancellationToken cancellationToken = default) =>
        RegisterAsync(new RegistrationOptions { Localpart = localpart, Password = password, IsAdmin = isAdmin }, cancellationToken);

    private static NewUser NewUser(UserId userId, string? hash, long now, RegistrationOptions options) => new(userId, hash, now)
    {
        IsAdmin = options.IsAdmin,
        IsGuest = options.IsGuest,
        UserType = options.UserType,
        DisplayName = options.DisplayName ?? (options.IsGuest ? null : userId.Localpart),
    };

    /// <summary>
    /// Sets a new password. With <paramref name="logoutDevices"/>, every other device is deleted and every token
    /// except those of <paramref name="keepDevice"/> revoked. spec: client-server "POST /account/password".
    /// </summary>
    public async Task ChangePasswordAsync(UserId userId, string newPassword, bool logoutDevices, DeviceId? keepDevice, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(newPassword);
        if (newPassword.Length == 0)
        {
            throw MatrixException.WeakPassword("The new password must not be empty.");
        }
        if (newPassword.Length > MaxPasswordLength)
        {
            throw MatrixException.InvalidParam($"Password is too long (at most {MaxPasswordLength} characters).");
        }
        if (!await _database.Users.SetPasswordHashAsync(userId, _hasher.Hash(newPassword), cancellationToken))
        {
            throw MatrixException.NotFound("Unknown user.");
        }
        if (logoutDevices)
        {
            var others = (await _database.Devices.ListAsync(userId, cancellationToken))
                .Select(d => d.DeviceId).Where(d => d != keepDevice).ToArray();
            if (others.Length > 0)
            {
                await _database.Devices.DeleteAsync(userId, others, cancellationToken);
            }
            await _database.AccessTokens.DeleteAllForUserAsync(userId, keepDevice, cancellationToken);
            foreach (var device in others)
            {
                _authenticator.EvictUser(userId, device);
            }
            if (keepDevice is null)
            {
                _authenticator.EvictUser(userId);
            }
        }
    }

    /// <summary>
    /// Deactivates the account: no more logins, every token and device gone, then each registered
    /// <see cref="IAccountDeactivationHandler"/> runs (leaving rooms, ...). With <paramref name="erase"/>, the
    /// profile is cleared too. spec: client-server "POST /account/deactivate".
    /// </summary>
    public async Task DeactivateAsync(UserId userId, bool erase, CancellationToken cancellationToken = default)
    {
        if (!await _database.Users.DeactivateAsync(userId, cancellationToken))
        {
            throw MatrixException.NotFound("Unknown user.");
        }
        _authenticator.EvictUser(userId);
        if (erase)
        {
            await _database.Profiles.SetDisplayNameAsync(userId, null, cancellationToken);
            await _database.Profiles.SetAvatarUrlAsync(userId, null, cancellationToken);
            foreach (var field in await _database.ProfileFields.GetAllAsync(userId, cancellationToken))
            {
                await _database.ProfileFields.DeleteAsync(userId, field.Key, cancellationToken);
            }
        }
        if (_services is not null)
        {
            foreach (var handler in _services.GetServices<IAccountDeactivationHandler>())
            {
                await handler.OnAccountDeactivatedAsync(userId, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Checks a Synapse shared-secret registration MAC: HMAC-SHA1 keyed with the shared secret over
    /// <c>nonce\0username\0password\0admin|notadmin</c> (then <c>\0user_type</c> when given), in lower-case hex.
    /// </summary>
    public static bool VerifySharedSecretMac(string sharedSecret, string nonce, string username, string password, bool admin, string? userType, string mac)
    {
        ArgumentNullException.ThrowIfNull(sharedSecret);
        ArgumentNullException.ThrowIfNull(mac);
        byte[] expected = ComputeSharedSecretMac(sharedSecret, nonce, username, password, admin, userType);
        byte[] given;
        try
        {
            given = Convert.FromHexString(mac);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    /// <summary>The MAC a shared-secret registration client sends (see <see cref="VerifySharedSecretMac"/>).</summary>
    public static byte[] ComputeSharedSecretMac(string sharedSecret, string nonce, string username, string password, bool admin, string? userType)
    {
        var message = new StringBuilder()
            .Append(nonce).Append('\0').Append(username).Append('\0').Append(password).Append('\0')
            .Append(admin ? "admin" : "notadmin");
        if (userType is not null)
        {
            message.Append('\0').Append(userType);
        }
#pragma warning disable CA5350 // HMAC-SHA1 is what Synapse's shared-secret registration protocol specifies.
        return HMACSHA1.HashData(Encoding.UTF8.GetBytes(sharedSecret), Encoding.UTF8.GetBytes(message.ToString()));
#pragma warning restore CA5350
    }
}
