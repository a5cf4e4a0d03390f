using System.Data.Common;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;
using Myelin.Storage.Streams;

namespace Myelin.Storage.Devices;

internal sealed class DeviceStore(StorageEngine engine) : IDeviceStore
{
    private const string Columns = "user_id, device_id, display_name, created_ts, last_seen_ip, last_seen_user_agent, last_seen_ts";

    public Task<bool> CreateAsync(UserId userId, DeviceId deviceId, string? displayName, long createdTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            int inserted = await db.ExecuteAsync(
                "INSERT INTO devices (user_id, device_id, display_name, created_ts) VALUES (@user_id, @device_id, @name, @ts) " +
                "ON CONFLICT (user_id, device_id) DO NOTHING",
                ("user_id", userId.Value), ("device_id", deviceId.Value), ("name", displayName), ("ts", createdTs));
            if (inserted > 0)
            {
                await RecordDeviceListChangeAsync(db, userId);
            }
            return inserted > 0;
        }, cancellationToken);

    public Task<Device?> GetAsync(UserId userId, DeviceId deviceId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync(
            $"SELECT {Columns} FROM devices WHERE user_id = @user_id AND device_id = @device_id", Read,
            ("user_id", userId.Value), ("device_id", deviceId.Value)), cancellationToken);

    public Task<IReadOnlyList<Device>> ListAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<Device>>(async db => await db.QueryAsync(
            $"SELECT {Columns} FROM devices WHERE user_id = @user_id ORDER BY device_id", Read, ("user_id", userId.Value)), cancellationToken);

    public Task<bool> RenameAsync(UserId userId, DeviceId deviceId, string? displayName, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            bool updated = await db.ExecuteAsync(
                "UPDATE devices SET display_name = @name WHERE user_id = @user_id AND device_id = @device_id",
                ("name", displayName), ("user_id", userId.Value), ("device_id", deviceId.Value)) > 0;
            if (updated)
            {
                await RecordDeviceListChangeAsync(db, userId);
            }
            return updated;
        }, cancellationToken);

    public Task<bool> UpdateLastSeenAsync(UserId userId, DeviceId deviceId, string? ip, string? userAgent, long ts, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db => await db.ExecuteAsync(
            "UPDATE devices SET last_seen_ip = @ip, last_seen_user_agent = @ua, last_seen_ts = @ts WHERE user_id = @user_id AND device_id = @device_id",
            ("ip", ip), ("ua", userAgent), ("ts", ts), ("user_id", userId.Value), ("device_id", deviceId.Value)) > 0, cancellationToken);

    public Task<int> DeleteAsync(UserId userId, IReadOnlyCollection<DeviceId> deviceIds, CancellationToken cancellationToken = default)
    {
        var ids = deviceIds.Select(d => d.Value).Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count == 0)
        {
            return Task.FromResult(0);
        }
        return engine.WriteAsync(async db =>
        {
            int deleted = 0;
            foreach (var chunk in ids.Chunk(500))
            {
                var (inList, parameters) = DbSession.InList("d", chunk, d => d);
                var all = parameters.Append(("user_id", userId.Value)).ToArray();
                await db.ExecuteAsync($"DELETE FROM access_tokens WHERE user_id = @user_id AND device_id IN ({inList})", all);
                await db.ExecuteAsync($"DELETE FROM refresh_tokens WHERE user_id = @user_id AND device_id IN ({inList})", all);
                await db.ExecuteAsync($"DELETE FROM to_device_inbox WHERE user_id = @user_id AND device_id IN ({inList})", all);
                // A deleted device's keys go with it (spec: "DELETE /devices/{deviceId}"); its ID may be reused by a new login.
                await db.ExecuteAsync($"DELETE FROM e2e_device_keys WHERE user_id = @user_id AND device_id IN ({inList})", all);
                await db.ExecuteAsync($"DELETE FROM e2e_one_time_keys WHERE user_id = @user_id AND device_id IN ({inList})", all);
                await db.ExecuteAsync($"DELETE FROM e2e_fallback_keys WHERE user_id = @user_id AND device_id IN ({inList})", all);
                // A deleted device's pushers go too (as Synapse does when their access token is removed).
                await db.ExecuteAsync($"DELETE FROM push_queue WHERE user_id = @user_id AND EXISTS (SELECT 1 FROM pushers p WHERE p.user_id = push_queue.user_id " +
                    $"AND p.app_id = push_queue.app_id AND p.pushkey = push_queue.pushkey AND p.device_id IN ({inList}))", all);
                await db.ExecuteAsync($"DELETE FROM pushers WHERE user_id = @user_id AND device_id IN ({inList})", all);
                deleted += await db.ExecuteAsync($"DELETE FROM devices WHERE user_id = @user_id AND device_id IN ({inList})", all);
            }
            if (deleted > 0)
            {
                await RecordDeviceListChangeAsync(db, userId);
            }
            return deleted;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<UserId>> GetDeviceListChangesAsync(StreamPosition since, IReadOnlyCollection<UserId>? userIds = null, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<UserId>>(async db =>
        {
            const string Sql = "SELECT DISTINCT user_id FROM device_list_changes WHERE stream_position > @since";
            if (userIds is null)
            {
                return (await db.QueryAsync(Sql + " ORDER BY user_id", r => UserId.Parse(r.GetString(0)), ("since", since.Value))).ToList();
            }
            var result = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var chunk in userIds.Select(u => u.Value).Distinct(StringComparer.Ordinal).Chunk(500))
            {
                var (inList, parameters) = DbSession.InList("u", chunk, u => u);
                foreach (string user in await db.QueryAsync($"{Sql} AND user_id IN ({inList})", r => r.GetString(0), parameters.Append(("since", since.Value)).ToArray()))
                {
                    result.Add(user);
                }
            }
            return result.Select(UserId.Parse).ToList();
        }, cancellationToken);

    /// <summary>Records "this user's device list changed" at the next device-lists position, in the caller's transaction.</summary>
    internal static async Task RecordDeviceListChangeAsync(DbSession db, UserId userId)
    {
        var position = await StreamPositions.AdvanceAsync(db, StreamName.DeviceLists);
        await db.ExecuteAsync(
            "INSERT INTO device_list_changes (user_id, stream_position) VALUES (@user_id, @position)",
            ("user_id", userId.Value), ("position", position.Value));
    }

    private static Device Read(DbDataReader r) => new(
        UserId.Parse(r.GetString(0)),
        DeviceId.Parse(r.GetString(1)),
        r.GetNullableString(2),
        r.GetInt64(3),
        r.GetNullableString(4),
        r.GetNullableString(5),
        r.GetNullableInt64(6));
}
