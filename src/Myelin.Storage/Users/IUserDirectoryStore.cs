using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Users;

/// <summary>Searches local users by user ID localpart or display name.</summary>
public interface IUserDirectoryStore
{
    /// <summary>
    /// Active local users whose localpart or display name (or a word of it) starts with
    /// <paramref name="searchTerm"/>, case-insensitively, at most <paramref name="limit"/>. When
    /// <paramref name="searcher"/> is given, only users who share a joined room with them, or are
    /// joined to a public room, are returned (Synapse's default visibility).
    /// </summary>
    Task<UserDirectoryResult> SearchAsync(string searchTerm, int limit, UserId? searcher = null, CancellationToken cancellationToken = default);
}
