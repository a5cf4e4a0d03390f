using System.Data.Common;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Accounts;

internal sealed class RegistrationTokenStore(StorageEngine engine) : IRegistrationTokenStore
{
    private const string Columns = "token, uses_allowed, pending, completed, expiry_time";

    public Task<bool> CreateAsync(string token, int? usesAllowed, long? expiryTime, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db => await db.ExecuteAsync(
            "INSERT INTO registration_tokens (token, uses_allowed, expiry_time) VALUES (@token, @uses, @expiry) ON CONFLICT (token) DO NOTHING",
            ("token", token), ("uses", (long?)usesAllowed), ("expiry", expiryTime)) > 0, cancellationToken);

    public Task<RegistrationToken?> GetAsync(string token, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync($"SELECT {Columns} FROM registration_tokens WHERE token = @token", Read, ("token", token)), cancellationToken);

    public Task<IReadOnlyList<RegistrationToken>> ListAsync(CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<RegistrationToken>>(async db =>
            await db.QueryAsync($"SELECT {Columns} FROM registration_tokens ORDER BY token", Read), cancellationToken);

    public Task<bool> DeleteAsync(string token, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db => await db.ExecuteAsync("DELETE FROM registration_tokens WHERE token = @token", ("token", token)) > 0, cancellationToken);

    public Task<bool> TryReserveAsync(string token, long nowTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db => await db.ExecuteAsync(
            "UPDATE registration_tokens SET pending = pending + 1 WHERE token = @token " +
            "AND (expiry_time IS NULL OR expiry_time > @now) AND (uses_allowed IS NULL OR pending + completed < uses_allowed)",
            ("token", token), ("now", nowTs)) > 0, cancellationToken);

    public Task CompleteAsync(string token, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => db.ExecuteAsync(
            "UPDATE registration_tokens SET pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END, completed = completed + 1 WHERE token = @token",
            ("token", token)), cancellationToken);

    private static RegistrationToken Read(DbDataReader r) => new(
        r.GetString(0),
        r.IsDBNull(1) ? null : checked((int)r.GetInt64(1)),
        checked((int)r.GetInt64(2)),
        checked((int)r.GetInt64(3)),
        r.GetNullableInt64(4));
}
