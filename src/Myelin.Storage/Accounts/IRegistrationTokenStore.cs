namespace Myelin.Storage.Accounts;

/// <summary>Registration tokens (created by admins, spent by registrations).</summary>
public interface IRegistrationTokenStore
{
    /// <summary>Stores a new token; false (no change) if it already exists.</summary>
    Task<bool> CreateAsync(string token, int? usesAllowed, long? expiryTime, CancellationToken cancellationToken = default);

    Task<RegistrationToken?> GetAsync(string token, CancellationToken cancellationToken = default);

    /// <summary>All tokens, ordered by token.</summary>
    Task<IReadOnlyList<RegistrationToken>> ListAsync(CancellationToken cancellationToken = default);

    Task<bool> DeleteAsync(string token, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically counts one more pending registration if the token is valid at <paramref name="nowTs"/>
    /// (exists, not expired, uses left); false otherwise.
    /// </summary>
    Task<bool> TryReserveAsync(string token, long nowTs, CancellationToken cancellationToken = default);

    /// <summary>A reserved registration finished: moves one use from pending to completed.</summary>
    Task CompleteAsync(string token, CancellationToken cancellationToken = default);
}
