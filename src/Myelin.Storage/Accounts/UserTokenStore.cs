using System.Security.Cryptography;
using System.Text;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Accounts;

internal sealed class UserTokenStore(StorageEngine engine) : IUserTokenStore
{
    public Task AddAsync(UserTokenKind kind, string token, UserId userId, long createdTs, long expiresTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => db.ExecuteAsync(
            "INSERT INTO user_tokens (token_hash, kind, user_id, created_ts, expires_ts) VALUES (@hash, @kind, @user_id, @created, @expires)",
            ("hash", Hash(token)), ("kind", Key(kind)), ("user_id", userId.Value), ("created", createdTs), ("expires", expiresTs)), cancellationToken);

    public Task<UserId?> GetAsync(UserTokenKind kind, string token, long nowTs, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(async db =>
        {
            var rows = await db.QueryAsync(
                "SELECT user_id FROM user_tokens WHERE token_hash = @hash AND kind = @kind AND expires_ts > @now",
                r => r.GetString(0), ("hash", Hash(token)), ("kind", Key(kind)), ("now", nowTs));
            return rows.Count == 0 ? (UserId?)null : UserId.Parse(rows[0]);
        }, cancellationToken);

    public Task<UserId?> ConsumeAsync(UserTokenKind kind, string token, long nowTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            var rows = await db.QueryAsync(
                "DELETE FROM user_tokens WHERE token_hash = @hash AND kind = @kind RETURNING user_id, expires_ts",
                r => (User: r.GetString(0), Expires: r.GetInt64(1)), ("hash", Hash(token)), ("kind", Key(kind)));
            return rows.Count == 0 || rows[0].Expires <= nowTs ? (UserId?)null : UserId.Parse(rows[0].User);
        }, cancellationToken);

    public Task<int> DeleteExpiredAsync(long nowTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => db.ExecuteAsync("DELETE FROM user_tokens WHERE expires_ts <= @now", ("now", nowTs)), cancellationToken);

    private static string Key(UserTokenKind kind) => kind switch
    {
        UserTokenKind.Login => "login",
        UserTokenKind.OpenId => "openid",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
