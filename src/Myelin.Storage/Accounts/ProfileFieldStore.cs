using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Accounts;

internal sealed class ProfileFieldStore(StorageEngine engine) : IProfileFieldStore
{
    public Task<IReadOnlyList<KeyValuePair<string, string>>> GetAllAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<KeyValuePair<string, string>>>(async db => await db.QueryAsync(
            "SELECT field, value FROM profile_fields WHERE user_id = @user_id ORDER BY field",
            r => new KeyValuePair<string, string>(r.GetString(0), r.GetString(1)), ("user_id", userId.Value)), cancellationToken);

    public Task<string?> GetAsync(UserId userId, string field, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(async db => (string?)await db.ScalarAsync(
            "SELECT value FROM profile_fields WHERE user_id = @user_id AND field = @field", ("user_id", userId.Value), ("field", field)), cancellationToken);

    public Task<bool> SetAsync(UserId userId, string field, string json, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            if (await db.ScalarAsync("SELECT 1 FROM users WHERE user_id = @user_id", ("user_id", userId.Value)) is null)
            {
                return false;
            }
            await db.ExecuteAsync(
                "INSERT INTO profile_fields (user_id, field, value) VALUES (@user_id, @field, @value) " +
                "ON CONFLICT (user_id, field) DO UPDATE SET value = excluded.value",
                ("user_id", userId.Value), ("field", field), ("value", json));
            return true;
        }, cancellationToken);

    public Task<bool> DeleteAsync(UserId userId, string field, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db => await db.ExecuteAsync(
            "DELETE FROM profile_fields WHERE user_id = @user_id AND field = @field", ("user_id", userId.Value), ("field", field)) > 0, cancellationToken);
}
