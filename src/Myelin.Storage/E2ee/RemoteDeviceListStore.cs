using Myelin.Protocol.Identifiers;
using Myelin.Storage.Devices;
using Myelin.Storage.Engines;

namespace Myelin.Storage.E2ee;

internal sealed class RemoteDeviceListStore(StorageEngine engine) : IRemoteDeviceListStore
{
    public Task<RemoteDeviceListState?> GetStateAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync(
            "SELECT stream_id, stale, updated_ts FROM e2e_remote_device_lists WHERE user_id = @user_id",
            r => new RemoteDeviceListState(r.GetInt64(0), r.GetInt64(1) != 0, r.GetInt64(2)), ("user_id", userId.Value)), cancellationToken);

    public Task<IReadOnlyList<DeviceKeysRecord>> GetDevicesAsync(IReadOnlyCollection<UserId> userIds, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<DeviceKeysRecord>>(async db =>
        {
            var result = new List<DeviceKeysRecord>();
            foreach (var chunk in userIds.Select(u => u.Value).Distinct(StringComparer.Ordinal).Chunk(500))
            {
                var (inList, parameters) = DbSession.InList("u", chunk, u => u);
                result.AddRange(await db.QueryAsync(
                    $"SELECT user_id, device_id, display_name, key_json FROM e2e_remote_devices WHERE user_id IN ({inList}) ORDER BY user_id, device_id",
                    r => new DeviceKeysRecord(UserId.Parse(r.GetString(0)), DeviceId.Parse(r.GetString(1)), r.GetNullableString(2), r.GetNullableString(3)),
                    parameters));
            }
            return result;
        }, cancellationToken);

    public Task<IReadOnlyDictionary<string, string>> GetCrossSigningKeysAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyDictionary<string, string>>(async db => (await db.QueryAsync(
                "SELECT key_type, key_json FROM e2e_remote_cross_signing_keys WHERE user_id = @user_id",
                r => (Type: r.GetString(0), Json: r.GetString(1)), ("user_id", userId.Value)))
            .ToDictionary(x => x.Type, x => x.Json, StringComparer.Ordinal), cancellationToken);

    public Task ReplaceAsync(UserId userId, long streamId, IReadOnlyList<RemoteDevice> devices, IReadOnlyDictionary<string, string> crossSigningKeys,
        long updatedTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            var user = ("user_id", (object?)userId.Value);
            await db.ExecuteAsync("DELETE FROM e2e_remote_devices WHERE user_id = @user_id", user);
            foreach (var device in devices.DistinctBy(d => d.DeviceId.Value))
            {
                await InsertDeviceAsync(db, userId, device);
            }
            await db.ExecuteAsync("DELETE FROM e2e_remote_cross_signing_keys WHERE user_id = @user_id", user);
            await UpsertCrossSigningAsync(db, userId, crossSigningKeys);
            await db.ExecuteAsync(
                "INSERT INTO e2e_remote_device_lists (user_id, stream_id, stale, updated_ts) VALUES (@user_id, @stream_id, 0, @ts) " +
                "ON CONFLICT (user_id) DO UPDATE SET stream_id = excluded.stream_id, stale = 0, updated_ts = excluded.updated_ts",
                user, ("stream_id", streamId), ("ts", updatedTs));
            await DeviceStore.RecordDeviceListChangeAsync(db, userId);
            return 0;
        }, cancellationToken);

    public Task<bool> ApplyUpdateAsync(UserId userId, long streamId, DeviceId deviceId, RemoteDevice? device, long updatedTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            int updated = await db.ExecuteAsync(
                "UPDATE e2e_remote_device_lists SET stream_id = @stream_id, updated_ts = @ts WHERE user_id = @user_id",
                ("stream_id", streamId), ("ts", updatedTs), ("user_id", userId.Value));
            if (updated == 0)
            {
                return false;
            }
            await db.ExecuteAsync("DELETE FROM e2e_remote_devices WHERE user_id = @user_id AND device_id = @device_id",
                ("user_id", userId.Value), ("device_id", deviceId.Value));
            if (device is not null)
            {
                await InsertDeviceAsync(db, userId, device with { DeviceId = deviceId });
            }
            await DeviceStore.RecordDeviceListChangeAsync(db, userId);
            return true;
        }, cancellationToken);

    public Task SetCrossSigningKeysAsync(UserId userId, IReadOnlyDictionary<string, string> keys, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            await UpsertCrossSigningAsync(db, userId, keys);
            await DeviceStore.RecordDeviceListChangeAsync(db, userId);
            return 0;
        }, cancellationToken);

    public Task MarkStaleAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            if (await db.ExecuteAsync("UPDATE e2e_remote_device_lists SET stale = 1 WHERE user_id = @user_id", ("user_id", userId.Value)) > 0)
            {
                await DeviceStore.RecordDeviceListChangeAsync(db, userId);
            }
            return 0;
        }, cancellationToken);

    public Task<bool> DeleteAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            var user = ("user_id", (object?)userId.Value);
            await db.ExecuteAsync("DELETE FROM e2e_remote_devices WHERE user_id = @user_id", user);
            await db.ExecuteAsync("DELETE FROM e2e_remote_cross_signing_keys WHERE user_id = @user_id", user);
            return await db.ExecuteAsync("DELETE FROM e2e_remote_device_lists WHERE user_id = @user_id", user) > 0;
        }, cancellationToken);

    private static Task<int> InsertDeviceAsync(DbSession db, UserId userId, RemoteDevice device) =>
        db.ExecuteAsync(
            "INSERT INTO e2e_remote_devices (user_id, device_id, display_name, key_json) VALUES (@user_id, @device_id, @name, @json)",
            ("user_id", userId.Value), ("device_id", device.DeviceId.Value), ("name", device.DisplayName), ("json", device.KeyJson));

    private static async Task UpsertCrossSigningAsync(DbSession db, UserId userId, IReadOnlyDictionary<string, string> keys)
    {
        foreach (var (type, json) in keys)
        {
            await db.ExecuteAsync(
                "INSERT INTO e2e_remote_cross_signing_keys (user_id, key_type, key_json) VALUES (@user_id, @type, @json) " +
                "ON CONFLICT (user_id, key_type) DO UPDATE SET key_json = excluded.key_json",
                ("user_id", userId.Value), ("type", type), ("json", json));
        }
    }
}
