using System.Data.Common;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Push;

internal sealed class PusherStore(StorageEngine engine) : IPusherStore
{
    private const string Columns =
        "p.user_id, p.app_id, p.pushkey, p.kind, p.device_id, p.app_display_name, p.device_display_name, p.profile_tag, p.lang, p.data, p.pushkey_ts";

    public Task<IReadOnlyList<Pusher>> GetForUserAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<Pusher>>(async db => await db.QueryAsync(
            $"SELECT {Columns} FROM pushers p WHERE p.user_id = @user_id ORDER BY p.pushkey_ts, p.app_id, p.pushkey",
            r => Read(r, 0), ("user_id", userId.Value)), cancellationToken);

    public Task<Pusher?> GetAsync(UserId userId, string appId, string pushkey, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync(
            $"SELECT {Columns} FROM pushers p WHERE p.user_id = @user_id AND p.app_id = @app_id AND p.pushkey = @pushkey",
            r => Read(r, 0), ("user_id", userId.Value), ("app_id", appId), ("pushkey", pushkey)), cancellationToken);

    public Task<int> SetAsync(Pusher pusher, bool append, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pusher);
        return engine.WriteAsync(async db =>
        {
            await db.ExecuteAsync(
                "INSERT INTO pushers (user_id, app_id, pushkey, kind, device_id, app_display_name, device_display_name, profile_tag, lang, data, pushkey_ts) " +
                "VALUES (@user_id, @app_id, @pushkey, @kind, @device_id, @app_display_name, @device_display_name, @profile_tag, @lang, @data, @pushkey_ts) " +
                "ON CONFLICT (user_id, app_id, pushkey) DO UPDATE SET kind = excluded.kind, device_id = excluded.device_id, " +
                "app_display_name = excluded.app_display_name, device_display_name = excluded.device_display_name, " +
                "profile_tag = excluded.profile_tag, lang = excluded.lang, data = excluded.data",
                ("user_id", pusher.UserId.Value), ("app_id", pusher.AppId), ("pushkey", pusher.Pushkey), ("kind", pusher.Kind),
                ("device_id", pusher.DeviceId?.Value), ("app_display_name", pusher.AppDisplayName), ("device_display_name", pusher.DeviceDisplayName),
                ("profile_tag", pusher.ProfileTag), ("lang", pusher.Lang), ("data", pusher.Data), ("pushkey_ts", pusher.PushkeyTs));
            if (append)
            {
                return 0;
            }
            // spec: append false "must remove any other pushers with the same App ID and pushkey for different users".
            await db.ExecuteAsync(
                "DELETE FROM push_queue WHERE app_id = @app_id AND pushkey = @pushkey AND user_id <> @user_id",
                ("app_id", pusher.AppId), ("pushkey", pusher.Pushkey), ("user_id", pusher.UserId.Value));
            return await db.ExecuteAsync(
                "DELETE FROM pushers WHERE app_id = @app_id AND pushkey = @pushkey AND user_id <> @user_id",
                ("app_id", pusher.AppId), ("pushkey", pusher.Pushkey), ("user_id", pusher.UserId.Value));
        }, cancellationToken);
    }

    public Task<bool> DeleteAsync(UserId userId, string appId, string pushkey, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            await db.ExecuteAsync(
                "DELETE FROM push_queue WHERE user_id = @user_id AND app_id = @app_id AND pushkey = @pushkey",
                ("user_id", userId.Value), ("app_id", appId), ("pushkey", pushkey));
            return await db.ExecuteAsync(
                "DELETE FROM pushers WHERE user_id = @user_id AND app_id = @app_id AND pushkey = @pushkey",
                ("user_id", userId.Value), ("app_id", appId), ("pushkey", pushkey)) > 0;
        }, cancellationToken);

    public Task<int> DeleteForUserAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            await db.ExecuteAsync("DELETE FROM push_queue WHERE user_id = @user_id", ("user_id", userId.Value));
            return await db.ExecuteAsync("DELETE FROM pushers WHERE user_id = @user_id", ("user_id", userId.Value));
        }, cancellationToken);

    public Task<IReadOnlyList<PushQueueEntry>> GetDueAsync(long nowTs, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return engine.ReadAsync<IReadOnlyList<PushQueueEntry>>(async db => await db.QueryAsync(
            $"SELECT {Columns}, q.id, q.event_id, q.attempts, q.created_ts, n.actions, " +
            "CASE WHEN a.event_id IS NULL THEN 0 ELSE 1 END " +
            "FROM push_queue q JOIN pushers p ON p.user_id = q.user_id AND p.app_id = q.app_id AND p.pushkey = q.pushkey " +
            "LEFT JOIN user_notifications n ON n.user_id = q.user_id AND n.event_id = q.event_id " +
            "LEFT JOIN event_push_actions a ON a.user_id = q.user_id AND a.event_id = q.event_id " +
            "WHERE q.next_attempt_ts <= @now ORDER BY q.id LIMIT @limit",
            r => new PushQueueEntry
            {
                Pusher = Read(r, 0),
                Id = r.GetInt64(11),
                EventId = EventId.Parse(r.GetString(12)),
                Attempts = (int)r.GetInt64(13),
                CreatedTs = r.GetInt64(14),
                Actions = r.GetNullableString(15) ?? "[\"notify\"]",
                IsUnread = r.GetFlag(16),
            },
            ("now", nowTs), ("limit", (long)limit)), cancellationToken);
    }

    public Task<long?> GetNextDueTsAsync(CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.ScalarInt64Async("SELECT MIN(next_attempt_ts) FROM push_queue"), cancellationToken);

    public Task CompleteAsync(long id, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => db.ExecuteAsync("DELETE FROM push_queue WHERE id = @id", ("id", id)), cancellationToken);

    public Task PostponeAsync(long id, int attempts, long nextAttemptTs, string error, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => db.ExecuteAsync(
            "UPDATE push_queue SET attempts = @attempts, next_attempt_ts = @next, last_error = @error WHERE id = @id",
            ("attempts", (long)attempts), ("next", nextAttemptTs), ("error", error), ("id", id)), cancellationToken);

    public Task<long> CountQueuedAsync(CancellationToken cancellationToken = default) =>
        engine.ReadAsync(async db => await db.ScalarInt64Async("SELECT COUNT(*) FROM push_queue") ?? 0, cancellationToken);

    private static Pusher Read(DbDataReader r, int o) => new()
    {
        UserId = UserId.Parse(r.GetString(o)),
        AppId = r.GetString(o + 1),
        Pushkey = r.GetString(o + 2),
        Kind = r.GetString(o + 3),
        DeviceId = r.GetNullableString(o + 4) is { } device ? DeviceId.Parse(device) : null,
        AppDisplayName = r.GetString(o + 5),
        DeviceDisplayName = r.GetString(o + 6),
        ProfileTag = r.GetNullableString(o + 7),
        Lang = r.GetString(o + 8),
        Data = r.GetString(o + 9),
        PushkeyTs = r.GetInt64(o + 10),
    };
}
