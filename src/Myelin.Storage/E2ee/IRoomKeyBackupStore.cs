using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.E2ee;

/// <summary>
/// Server-side backups of a user's megolm session keys: numbered versions, each holding keys per room and session.
/// spec: client-server "Server-side key backups".
/// </summary>
public interface IRoomKeyBackupStore
{
    /// <summary>Creates the next version (numbers are never reused, even after deletion); it becomes the current one.</summary>
    Task<long> CreateVersionAsync(UserId userId, string algorithm, string authDataJson, CancellationToken cancellationToken = default);

    /// <summary>The version (the current, latest undeleted one when <paramref name="version"/> is null), or null.</summary>
    Task<RoomKeyBackupVersion?> GetVersionAsync(UserId userId, long? version, CancellationToken cancellationToken = default);

    /// <summary>Replaces the version's auth_data; false if it does not exist.</summary>
    Task<bool> UpdateVersionAsync(UserId userId, long version, string authDataJson, CancellationToken cancellationToken = default);

    /// <summary>Deletes the version and its keys; false if it does not exist.</summary>
    Task<bool> DeleteVersionAsync(UserId userId, long version, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores keys, each replacing a stored one for the same session only if it is better (spec: verified first, then
    /// lower first_message_index, then lower forwarded_count). Returns the version's key count and etag afterwards.
    /// </summary>
    Task<(long Count, long Etag)> PutKeysAsync(UserId userId, long version, IReadOnlyList<RoomKeyBackupEntry> keys, CancellationToken cancellationToken = default);

    /// <summary>The version's keys, optionally of one room or one session, ordered by room and session.</summary>
    Task<IReadOnlyList<RoomKeyBackupEntry>> GetKeysAsync(UserId userId, long version, string? roomId, string? sessionId, CancellationToken cancellationToken = default);

    /// <summary>Deletes the version's keys (all, of a room, or of a session); returns the key count and etag afterwards.</summary>
    Task<(long Count, long Etag)> DeleteKeysAsync(UserId userId, long version, string? roomId, string? sessionId, CancellationToken cancellationToken = default);
}

/// <summary>A backup version's metadata with its key count and etag.</summary>
public sealed record RoomKeyBackupVersion(long Version, string Algorithm, string AuthDataJson, long Count, long Etag);

/// <summary>One backed-up session key; <see cref="SessionDataJson"/> is the encrypted session_data object.</summary>
public sealed record RoomKeyBackupEntry(string RoomId, string SessionId, long FirstMessageIndex, long ForwardedCount, bool IsVerified, string SessionDataJson);
