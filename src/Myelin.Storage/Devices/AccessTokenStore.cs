using System.Security.Cryptography;
using System.Text;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Devices;

internal sealed class AccessTokenStore(StorageEngine engine) : IAccessTokenStore
{
    public Task<long> AddAsync(string accessToken, UserId userId, DeviceId? deviceId, long createdTs, long? expiresTs = null, long? refreshTokenId = null, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => InsertAccessTokenAsync(db, accessToken, userId, deviceId, createdTs, expiresTs, refreshTokenId), cancellationToken);

    public Task<AccessTokenInfo?> GetAsync(string accessToken, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync(
            "SELECT t.id, t.user_id, t.device_id, COALESCE(u.is_guest, @false), t.expires_ts, t.refresh_token_id " +
            "FROM access_tokens t LEFT JOIN users u ON u.user_id = t.user_id WHERE t.token_hash = @hash",
            r => new AccessTokenInfo(
                r.GetInt64(0),
                UserId.Parse(r.GetString(1)),
                r.IsDBNull(2) ? null : DeviceId.Parse(r.GetString(2)),
                r.GetFlag(3),
                r.GetNullableInt64(4),
                r.GetNullableInt64(5)),
            ("false", false), ("hash", Hash(accessToken))), cancellationToken);

    public Task<bool> DeleteAsync(string accessToken, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            long? refreshId = null;
            bool found = false;
            foreach (var row in await db.QueryAsync("SELECT refresh_token_id FROM access_tokens WHERE token_hash = @hash", r => r.GetNullableInt64(0), ("hash", Hash(accessToken))))
            {
                found = true;
                refreshId = row;
            }
            if (!found)
            {
                return false;
            }
            await db.ExecuteAsync("DELETE FROM access_tokens WHERE token_hash = @hash", ("hash", Hash(accessToken)));
            if (refreshId is { } id)
            {
                await db.ExecuteAsync("DELETE FROM refresh_tokens WHERE id = @id", ("id", id));
            }
            return true;
        }, cancellationToken);

    public Task<int> DeleteForDeviceAsync(UserId userId, DeviceId deviceId, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            await db.ExecuteAsync("DELETE FROM refresh_tokens WHERE user_id = @user_id AND device_id = @device_id", ("user_id", userId.Value), ("device_id", deviceId.Value));
            return await db.ExecuteAsync("DELETE FROM access_tokens WHERE user_id = @user_id AND device_id = @device_id", ("user_id", userId.Value), ("device_id", deviceId.Value));
        }, cancellationToken);

    public Task<int> DeleteAllForUserAsync(UserId userId, DeviceId? exceptDevice = null, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            if (exceptDevice is { } keep)
            {
                await db.ExecuteAsync("DELETE FROM refresh_tokens WHERE user_id = @user_id AND device_id <> @keep", ("user_id", userId.Value), ("keep", keep.Value));
                return await db.ExecuteAsync(
                    "DELETE FROM access_tokens WHERE user_id = @user_id AND (device_id IS NULL OR device_id <> @keep)",
                    ("user_id", userId.Value), ("keep", keep.Value));
            }
            await db.ExecuteAsync("DELETE FROM refresh_tokens WHERE user_id = @user_id", ("user_id", userId.Value));
            return await db.ExecuteAsync("DELETE FROM access_tokens WHERE user_id = @user_id", ("user_id", userId.Value));
        }, cancellationToken);

    public Task<long> AddRefreshTokenAsync(string refreshToken, UserId userId, DeviceId deviceId, long createdTs, long? expiresTs = null, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => InsertRefreshTokenAsync(db, refreshToken, userId, deviceId, createdTs, expiresTs), cancellationToken);

    public Task<RefreshTokenInfo?> GetRefreshTokenAsync(string refreshToken, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => GetRefreshTokenAsync(db, refreshToken), cancellationToken);

    public Task<RefreshTokenInfo?> RefreshAsync(string oldRefreshToken, string newAccessToken, long? accessExpiresTs, string newRefreshToken, long? refreshExpiresTs, long nowTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            var old = await GetRefreshTokenAsync(db, oldRefreshToken);
            if (old is null || old.IsExpiredAt(nowTs))
            {
                return null;
            }
            await db.ExecuteAsync("DELETE FROM access_tokens WHERE refresh_token_id = @id", ("id", old.TokenId));
            await db.ExecuteAsync("DELETE FROM refresh_tokens WHERE id = @id", ("id", old.TokenId));
            long refreshId = await InsertRefreshTokenAsync(db, newRefreshToken, old.UserId, old.DeviceId, nowTs, refreshExpiresTs);
            await InsertAccessTokenAsync(db, newAccessToken, old.UserId, old.DeviceId, nowTs, accessExpiresTs, refreshId);
            return new RefreshTokenInfo(refreshId, old.UserId, old.DeviceId, refreshExpiresTs);
        }, cancellationToken);

    private static Task<RefreshTokenInfo?> GetRefreshTokenAsync(DbSession db, string refreshToken) =>
        db.QuerySingleAsync(
            "SELECT id, user_id, device_id, expires_ts FROM refresh_tokens WHERE token_hash = @hash",
            r => new RefreshTokenInfo(r.GetInt64(0), UserId.Parse(r.GetString(1)), DeviceId.Parse(r.GetString(2)), r.GetNullableInt64(3)),
            ("hash", Hash(refreshToken)));

    private static async Task<long> InsertAccessTokenAsync(DbSession db, string token, UserId userId, DeviceId? deviceId, long createdTs, long? expiresTs, long? refreshTokenId) =>
        await db.ScalarInt64Async(
            "INSERT INTO access_tokens (token_hash, user_id, device_id, created_ts, expires_ts, refresh_token_id) " +
            "VALUES (@hash, @user_id, @device_id, @ts, @expires, @refresh) RETURNING id",
            ("hash", Hash(token)), ("user_id", userId.Value), ("device_id", deviceId?.Value), ("ts", createdTs),
            ("expires", expiresTs), ("refresh", refreshTokenId))
        ?? throw new InvalidOperationException("INSERT ... RETURNING id returned nothing.");

    private static async Task<long> InsertRefreshTokenAsync(DbSession db, string token, UserId userId, DeviceId deviceId, long createdTs, long? expiresTs) =>
        await db.ScalarInt64Async(
            "INSERT INTO refresh_tokens (token_hash, user_id, device_id, created_ts, expires_ts) VALUES (@hash, @user_id, @device_id, @ts, @expires) RETURNING id",
            ("hash", Hash(token)), ("user_id", userId.Value), ("device_id", deviceId.Value), ("ts", createdTs), ("expires", expiresTs))
        ?? throw new InvalidOperationException("INSERT ... RETURNING id returned nothing.");

    private static byte[] Hash(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }
}
