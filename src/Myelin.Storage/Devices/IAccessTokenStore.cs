using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Devices;

/// <summary>
/// Access and refresh tokens. Only a SHA-256 of each token is stored, so a leaked database does
/// not leak usable credentials; callers pass the plain token and hashing happens here.
/// </summary>
public interface IAccessTokenStore
{
    /// <summary>Stores a new access token; returns its ID.</summary>
    Task<long> AddAsync(string accessToken, UserId userId, DeviceId? deviceId, long createdTs, long? expiresTs = null, long? refreshTokenId = null, CancellationToken cancellationToken = default);

    /// <summary>The token's owner, device, guest flag and expiry; null for an unknown (or deleted) token.</summary>
    Task<AccessTokenInfo?> GetAsync(string accessToken, CancellationToken cancellationToken = default);

    /// <summary>Deletes one access token (logout); false if unknown. Its refresh token goes with it.</summary>
    Task<bool> DeleteAsync(string accessToken, CancellationToken cancellationToken = default);

    /// <summary>Deletes all access and refresh tokens of one device.</summary>
    Task<int> DeleteForDeviceAsync(UserId userId, DeviceId deviceId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes all access and refresh tokens of the user, except those of <paramref name="exceptDevice"/>
    /// (e.g. password change with <c>logout_devices</c> keeps the requesting device).
    /// </summary>
    Task<int> DeleteAllForUserAsync(UserId userId, DeviceId? exceptDevice = null, CancellationToken cancellationToken = default);

    /// <summary>Stores a new refresh token; returns its ID.</summary>
    Task<long> AddRefreshTokenAsync(string refreshToken, UserId userId, DeviceId deviceId, long createdTs, long? expiresTs = null, CancellationToken cancellationToken = default);

    Task<RefreshTokenInfo?> GetRefreshTokenAsync(string refreshToken, CancellationToken cancellationToken = default);

    /// <summary>
    /// Exchanges a refresh token: in one transaction, checks <paramref name="oldRefreshToken"/>
    /// exists and has not expired at <paramref name="nowTs"/>, deletes it with the access tokens
    /// issued with it, and stores the new pair for the same user and device. Returns null (and
    /// changes nothing) if the old token is unknown or expired.
    /// </summary>
    Task<RefreshTokenInfo?> RefreshAsync(string oldRefreshToken, string newAccessToken, long? accessExpiresTs, string newRefreshToken, long? refreshExpiresTs, long nowTs, CancellationToken cancellationToken = default);
}
