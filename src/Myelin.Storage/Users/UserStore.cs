using System.Data.Common;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Users;

internal sealed class UserStore(StorageEngine engine) : IUserStore
{
    private const string Columns = "user_id, password_hash, is_admin, is_guest, created_ts, is_deactivated, is_locked, is_suspended, user_type";

    public Task<bool> CreateAsync(NewUser user, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            int inserted = await db.ExecuteAsync(
                "INSERT INTO users (user_id, password_hash, is_admin, is_guest, created_ts, user_type) " +
                "VALUES (@user_id, @hash, @admin, @guest, @ts, @type) ON CONFLICT (user_id) DO NOTHING",
                ("user_id", user.UserId.Value), ("hash", user.PasswordHash), ("admin", user.IsAdmin),
                ("guest", user.IsGuest), ("ts", user.CreatedTs), ("type", user.UserType));
            if (inserted == 0)
            {
                return false;
            }
            await ProfileStore.UpsertAsync(db, user.UserId, user.DisplayName, setDisplayName: true, avatarUrl: null, setAvatarUrl: false);
            return true;
        }, cancellationToken);

    public Task<UserAccount?> GetAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync($"SELECT {Columns} FROM users WHERE user_id = @user_id", Read, ("user_id", userId.Value)), cancellationToken);

    public Task<bool> ExistsAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(async db => await db.ScalarAsync("SELECT 1 FROM users WHERE user_id = @user_id", ("user_id", userId.Value)) is not null, cancellationToken);

    public Task<bool> SetPasswordHashAsync(UserId userId, string? passwordHash, CancellationToken cancellationToken = default) =>
        UpdateAsync(userId, "password_hash = @value", passwordHash, cancellationToken);

    public Task<bool> SetAdminAsync(UserId userId, bool isAdmin, CancellationToken cancellationToken = default) =>
        UpdateAsync(userId, "is_admin = @value", isAdmin, cancellationToken);

    public Task<bool> SetLockedAsync(UserId userId, bool isLocked, CancellationToken cancellationToken = default) =>
        UpdateAsync(userId, "is_locked = @value", isLocked, cancellationToken);

    public Task<bool> SetSuspendedAsync(UserId userId, bool isSuspended, CancellationToken cancellationToken = default) =>
        UpdateAsync(userId, "is_suspended = @value", isSuspended, cancellationToken);

    public Task<bool> DeactivateAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            int updated = await db.ExecuteAsync(
                "UPDATE users SET is_deactivated = @true, password_hash = NULL WHERE user_id = @user_id",
                ("true", true), ("user_id", userId.Value));
            if (updated == 0)
            {
                return false;
            }
            await db.ExecuteAsync("DELETE FROM access_tokens WHERE user_id = @user_id", ("user_id", userId.Value));
            await db.ExecuteAsync("DELETE FROM refresh_tokens WHERE user_id = @user_id", ("user_id", userId.Value));
            await db.ExecuteAsync("DELETE FROM to_device_inbox WHERE user_id = @user_id", ("user_id", userId.Value));
            // A deactivated account is never pushed to again (Synapse removes its pushers too).
            await db.ExecuteAsync("DELETE FROM push_queue WHERE user_id = @user_id", ("user_id", userId.Value));
            await db.ExecuteAsync("DELETE FROM pushers WHERE user_id = @user_id", ("user_id", userId.Value));
            int devices = await db.ExecuteAsync("DELETE FROM devices WHERE user_id = @user_id", ("user_id", userId.Value));
            if (devices > 0)
            {
                await Devices.DeviceStore.RecordDeviceListChangeAsync(db, userId);
            }
            return true;
        }, cancellationToken);

    public Task<bool> ReactivateAsync(UserId userId, CancellationToken cancellationToken = default) =>
        UpdateAsync(userId, "is_deactivated = @value", false, cancellationToken);

    public Task<IReadOnlyList<UserAccount>> ListAsync(UserListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        return engine.ReadAsync<IReadOnlyList<UserAccount>>(async db => await db.QueryAsync(
            $"SELECT {Columns} FROM users WHERE {Filter(query.IncludeDeactivated, query.IncludeGuests)} ORDER BY user_id LIMIT @limit OFFSET @offset",
            Read, ("false", false), ("limit", (long)query.Limit), ("offset", (long)query.Offset)), cancellationToken);
    }

    public Task<long> CountAsync(bool includeDeactivated = true, bool includeGuests = true, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(async db => await db.ScalarInt64Async(
            $"SELECT COUNT(*) FROM users WHERE {Filter(includeDeactivated, includeGuests)}", ("false", false)) ?? 0, cancellationToken);

    private static string Filter(bool includeDeactivated, bool includeGuests) =>
        (includeDeactivated ? "1 = 1" : "is_deactivated = @false") + (includeGuests ? "" : " AND is_guest = @false");

    private Task<bool> UpdateAsync(UserId userId, string assignment, object? value, CancellationToken cancellationToken) =>
        engine.WriteAsync(async db => await db.ExecuteAsync(
            $"UPDATE users SET {assignment} WHERE user_id = @user_id", ("value", value), ("user_id", userId.Value)) > 0, cancellationToken);

    private static UserAccount Read(DbDataReader r) => new(
        UserId.Parse(r.GetString(0)),
        r.GetNullableString(1),
        r.GetFlag(2),
        r.GetFlag(3),
        r.GetInt64(4),
        r.GetFlag(5),
        r.GetFlag(6),
        r.GetFlag(7),
        r.GetNullableString(8));
}
