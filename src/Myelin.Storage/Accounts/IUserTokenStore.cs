using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Accounts;

/// <summary>
/// Short-lived tokens that stand for a user: login tokens and OpenID tokens. Only a SHA-256 of each token
/// is stored. Expired tokens are never returned.
/// </summary>
public interface IUserTokenStore
{
    Task AddAsync(UserTokenKind kind, string token, UserId userId, long createdTs, long expiresTs, CancellationToken cancellationToken = default);

    /// <summary>The user a live token stands for, or null.</summary>
    Task<UserId?> GetAsync(UserTokenKind kind, string token, long nowTs, CancellationToken cancellationToken = default);

    /// <summary>Deletes the token and returns its user if it was live at <paramref name="nowTs"/> (single use).</summary>
    Task<UserId?> ConsumeAsync(UserTokenKind kind, string token, long nowTs, CancellationToken cancellationToken = default);

    /// <summary>Deletes every token that expired before <paramref name="nowTs"/>; returns how many.</summary>
    Task<int> DeleteExpiredAsync(long nowTs, CancellationToken cancellationToken = default);
}
