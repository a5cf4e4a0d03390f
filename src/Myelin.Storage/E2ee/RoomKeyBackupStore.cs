using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.E2ee;

internal sealed class RoomKeyBackupStore(StorageEngine engine) : IRoomKeyBackupStore
{
    public Task<long> CreateVersionAsync(UserId userId, string algorithm, string authDataJson, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            // Two concurrent creations (PostgreSQL, read committed) can both see the same MAX: the loser's insert does
            // nothing and it takes the next number.
            while (true)
            {
                long version = (await db.ScalarInt64Async("SELECT MAX(version) FROM e2e_room_key_backup_versions WHERE user_id = @user_id", ("user_id", userId.Value)) ?? 0) + 1;
                int inserted = await db.ExecuteAsync(
                    "INSERT INTO e2e_room_key_backup_versions (user_id, version, algorithm, auth_data, etag, deleted) VALUES (@user_id, @version, @algorithm, @auth_data, 0, 0) " +
                    "ON CONFLICT (user_id, version) DO NOTHING",
                    ("user_id", userId.Value), ("version", version), ("algorithm", algorithm), ("auth_data", authDataJson));
                if (inserted > 0)
                {
                    return version;
                }
            }
        }, cancellationToken);

    public Task<RoomKeyBackupVersion?> GetVersionAsync(UserId userId, long? version, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(async db =>
        {
            string where = version is null ? "" : " AND v.version = @version";
            return await db.QuerySingleAsync(
                "SELECT v.version, v.algorithm, v.auth_data, v.etag, " +
                "(SELECT COUNT(*) FROM e2e_room_keys k WHERE k.user_id = v.user_id AND k.version = v.version) " +
                $"FROM e2e_room_key_backup_versions v WHERE v.user_id = @user_id AND v.deleted = 0{where} ORDER BY v.version DESC LIMIT 1",
                r => new RoomKeyBackupVersion(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt64(4), r.GetInt64(3)),
                ("user_id", userId.Value), ("version", version ?? 0));
        }, cancellationToken);

    public Task<bool> UpdateVersionAsync(UserId userId, long version, string authDataJson, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db => await db.ExecuteAsync(
            "UPDATE e2e_room_key_backup_versions SET auth_data = @auth_data WHERE user_id = @user_id AND version = @version AND deleted = 0",
            ("auth_data", authDataJson), ("user_id", userId.Value), ("version", version)) > 0, cancellationToken);

    public Task<bool> DeleteVersionAsync(UserId userId, long version, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            bool deleted = await db.ExecuteAsync(
                "UPDATE e2e_room_key_backup_versions SET deleted = 1 WHERE user_id = @user_id AND version = @version AND deleted = 0",
                ("user_id", userId.Value), ("version", version)) > 0;
            if (deleted)
            {
                await db.ExecuteAsync("DELETE FROM e2e_room_keys WHERE user_id = @user_id AND version = @version", ("user_id", userId.Value), ("version", version));
            }
            return deleted;
        }, cancellationToken);

    public Task<(long Count, long Etag)> PutKeysAsync(UserId userId, long version, IReadOnlyList<RoomKeyBackupEntry> keys, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            bool changed = false;
            foreach (var key in keys)
            {
                var parameters = new (string, object?)[] { ("user_id", userId.Value), ("version", version), ("room_id", key.RoomId), ("session_id", key.SessionId) };
                var existing = await db.QuerySingleAsync(
                    "SELECT first_message_index, forwarded_count, is_verified FROM e2e_room_keys " +
                    "WHERE user_id = @user_id AND version = @version AND room_id = @room_id AND session_id = @session_id",
                    r => new[] { r.GetInt64(0), r.GetInt64(1), r.GetInt64(2) }, parameters);
                if (existing is not null && !IsBetter(key, existing[0], existing[1], existing[2] != 0))
                {
                    continue;
                }
                await db.ExecuteAsync(
                    "INSERT INTO e2e_room_keys (user_id, version, room_id, session_id, first_message_index, forwarded_count, is_verified, session_data) " +
                    "VALUES (@user_id, @version, @room_id, @session_id, @first, @forwarded, @verified, @data) " +
                    "ON CONFLICT (user_id, version, room_id, session_id) DO UPDATE SET first_message_index = excluded.first_message_index, " +
                    "forwarded_count = excluded.forwarded_count, is_verified = excluded.is_verified, session_data = excluded.session_data",
                    [.. parameters, ("first", key.FirstMessageIndex), ("forwarded", key.ForwardedCount), ("verified", key.IsVerified ? 1L : 0L), ("data", key.SessionDataJson)]);
                changed = true;
            }
            if (changed)
            {
                await BumpEtagAsync(db, userId, version);
            }
            return await CountAndEtagAsync(db, userId, version);
        }, cancellationToken);

    public Task<IReadOnlyList<RoomKeyBackupEntry>> GetKeysAsync(UserId userId, long version, string? roomId, string? sessionId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<RoomKeyBackupEntry>>(async db => await db.QueryAsync(
            "SELECT room_id, session_id, first_message_index, forwarded_count, is_verified, session_data FROM e2e_room_keys " +
            $"WHERE user_id = @user_id AND version = @version{Filter(roomId, sessionId)} ORDER BY room_id, session_id",
            r => new RoomKeyBackupEntry(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4) != 0, r.GetString(5)),
            ("user_id", userId.Value), ("version", version), ("room_id", roomId), ("session_id", sessionId)), cancellationToken);

    public Task<(long Count, long Etag)> DeleteKeysAsync(UserId userId, long version, string? roomId, string? sessionId, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            int deleted = await db.ExecuteAsync(
                $"DELETE FROM e2e_room_keys WHERE user_id = @user_id AND version = @version{Filter(roomId, sessionId)}",
                ("user_id", userId.Value), ("version", version), ("room_id", roomId), ("session_id", sessionId));
            if (deleted > 0)
            {
                await BumpEtagAsync(db, userId, version);
            }
            return await CountAndEtagAsync(db, userId, version);
        }, cancellationToken);

    /// <summary>spec: client-server "Server-side key backups" — which of two keys for a session the server keeps.</summary>
    private static bool IsBetter(RoomKeyBackupEntry candidate, long firstMessageIndex, long forwardedCount, bool isVerified)
    {
        if (candidate.IsVerified != isVerified)
        {
            return candidate.IsVerified;
        }
        if (candidate.FirstMessageIndex != firstMessageIndex)
        {
            return candidate.FirstMessageIndex < firstMessageIndex;
        }
        return candidate.ForwardedCount < forwardedCount;
    }

    private static string Filter(string? roomId, string? sessionId) =>
        (roomId is null ? "" : " AND room_id = @room_id") + (sessionId is null ? "" : " AND session_id = @session_id");

    private static Task BumpEtagAsync(DbSession db, UserId userId, long version) =>
        db.ExecuteAsync("UPDATE e2e_room_key_backup_versions SET etag = etag + 1 WHERE user_id = @user_id AND version = @version",
            ("user_id", userId.Value), ("version", version));

    private static async Task<(long Count, long Etag)> CountAndEtagAsync(DbSession db, UserId userId, long version)
    {
        long count = await db.ScalarInt64Async("SELECT COUNT(*) FROM e2e_room_keys WHERE user_id = @user_id AND version = @version",
            ("user_id", userId.Value), ("version", version)) ?? 0;
        long etag = await db.ScalarInt64Async("SELECT etag FROM e2e_room_key_backup_versions WHERE user_id = @user_id AND version = @version",
            ("user_id", userId.Value), ("version", version)) ?? 0;
        return (count, etag);
    }
}
