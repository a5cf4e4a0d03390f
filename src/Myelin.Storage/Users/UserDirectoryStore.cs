using System.Text;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Users;

internal sealed class UserDirectoryStore(StorageEngine engine) : IUserDirectoryStore
{
    public Task<UserDirectoryResult> SearchAsync(string searchTerm, int limit, UserId? searcher = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(searchTerm);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        string term = searchTerm.Trim().ToLowerInvariant();
        // A leading '@' searches by user ID: "@ali" matches "@alice:example.org".
        if (term.StartsWith('@'))
        {
            term = term[1..];
            int colon = term.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                term = term[..colon];
            }
        }
        string prefix = EscapeLike(term) + "%";
        string wordPrefix = "% " + prefix;
        string visibility = searcher is null ? "" :
            " AND (p.user_id = @searcher" +
            " OR p.user_id IN (SELECT other.user_id FROM room_memberships mine JOIN room_memberships other ON other.room_id = mine.room_id" +
            "   WHERE mine.user_id = @searcher AND mine.membership = 'join' AND other.membership = 'join')" +
            " OR p.user_id IN (SELECT m.user_id FROM room_memberships m JOIN rooms r ON r.room_id = m.room_id" +
            "   WHERE r.is_public = @true AND m.membership = 'join'))";
        return engine.ReadAsync(async db =>
        {
            var rows = await db.QueryAsync(
                "SELECT p.user_id, p.displayname, p.avatar_url FROM profiles p JOIN users u ON u.user_id = p.user_id " +
                "WHERE u.is_deactivated = @false AND (p.localpart_lower LIKE @prefix ESCAPE '\\' " +
                "  OR p.displayname_lower LIKE @prefix ESCAPE '\\' OR p.displayname_lower LIKE @word ESCAPE '\\')" +
                visibility +
                " ORDER BY CASE WHEN p.displayname IS NULL THEN 1 ELSE 0 END, p.displayname_lower, p.user_id LIMIT @limit",
                r => new Profile(UserId.Parse(r.GetString(0)), r.GetNullableString(1), r.GetNullableString(2)),
                ("false", false), ("true", true), ("prefix", prefix), ("word", wordPrefix),
                ("searcher", searcher?.Value), ("limit", (long)limit + 1));
            bool limited = rows.Count > limit;
            if (limited)
            {
                rows.RemoveAt(rows.Count - 1);
            }
            return new UserDirectoryResult(rows, limited);
        }, cancellationToken);
    }

    private static string EscapeLike(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (char c in value)
        {
            if (c is '%' or '_' or '\\')
            {
                sb.Append('\\');
            }
            sb.Append(c);
        }
        return sb.ToString();
    }
}
