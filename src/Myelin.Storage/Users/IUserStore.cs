using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Users;

/// <summary>Local accounts. Setters return false when the user does not exist.</summary>
public interface IUserStore
{
    /// <summary>Creates the account and its profile; false if the user ID is already taken.</summary>
    Task<bool> CreateAsync(NewUser user, CancellationToken cancellationToken = default);

    Task<UserAccount?> GetAsync(UserId userId, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(UserId userId, CancellationToken cancellationToken = default);

    Task<bool> SetPasswordHashAsync(UserId userId, string? passwordHash, CancellationToken cancellationToken = default);

    Task<bool> SetAdminAsync(UserId userId, bool isAdmin, CancellationToken cancellationToken = default);

    Task<bool> SetLockedAsync(UserId userId, bool isLocked, CancellationToken cancellationToken = default);

    Task<bool> SetSuspendedAsync(UserId userId, bool isSuspended, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deactivates the account: clears the password hash and deletes all its devices, access and
    /// refresh tokens in the same transaction. spec: client-server "POST /account/deactivate".
    /// </summary>
    Task<bool> DeactivateAsync(UserId userId, CancellationToken cancellationToken = default);

    /// <summary>Reactivates an account (admin API); it needs a new password to log in.</summary>
    Task<bool> ReactivateAsync(UserId userId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<UserAccount>> ListAsync(UserListQuery query, CancellationToken cancellationToken = default);

    Task<long> CountAsync(bool includeDeactivated = true, bool includeGuests = true, CancellationToken cancellationToken = default);
}
