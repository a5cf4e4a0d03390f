using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Users;

internal sealed class ProfileStore(StorageEngine engine) : IProfileStore
{
    public Task<Profile?> GetAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync(
            "SELECT p.displayname, p.avatar_url FROM profiles p JOIN users u ON u.user_id = p.user_id WHERE p.user_id = @user_id",
            r => new Profile(userId, r.GetNullableString(0), r.GetNullableString(1)), ("user_id", userId.Value)), cancellationToken);

    public Task<bool> SetDisplayNameAsync(UserId userId, string? displayName, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => UpsertIfUserAsync(db, userId, displayName, true, null, false), cancellationToken);

    public Task<bool> SetAvatarUrlAsync(UserId userId, string? avatarUrl, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => UpsertIfUserAsync(db, userId, null, false, avatarUrl, true), cancellationToken);

    private static async Task<bool> UpsertIfUserAsync(DbSession db, UserId userId, string? displayName, bool setDisplayName, string? avatarUrl, bool setAvatarUrl)
    {
        if (await db.ScalarAsync("SELECT 1 FROM users WHERE user_id = @user_id", ("user_id", userId.Value)) is null)
        {
            return false;
        }
        await UpsertAsync(db, userId, displayName, setDisplayName, avatarUrl, setAvatarUrl);
        return true;
    }

    /// <summary>Writes the profile row, keeping the lower-cased search columns the user directory reads.</summary>
    internal static Task UpsertAsync(DbSession db, UserId userId, string? displayName, bool setDisplayName, string? avatarUrl, bool setAvatarUrl)
    {
        var updates = new List<string>();
        if (setDisplayName)
        {
            updates.Add("displayname = excluded.displayname, displayname_lower = excluded.displayname_lower");
        }
        if (setAvatarUrl)
        {
            updates.Add("avatar_url = excluded.avatar_url");
        }
        string onConflict = updates.Count == 0 ? "DO NOTHING" : "DO UPDATE SET " + string.Join(", ", updates);
        return db.ExecuteAsync(
            "INSERT INTO profiles (user_id, localpart_lower, displayname, displayname_lower, avatar_url) " +
            $"VALUES (@user_id, @localpart, @displayname, @displayname_lower, @avatar_url) ON CONFLICT (user_id) {onConflict}",
            ("user_id", userId.Value),
            ("localpart", userId.Localpart.ToLowerInvariant()),
            ("displayname", setDisplayName ? displayName : null),
            ("displayname_lower", setDisplayName ? displayName?.ToLowerInvariant() : null),
            ("avatar_url", setAvatarUrl ? avatarUrl : null));
    }
}
