using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;
using Myelin.Storage.Streams;

namespace Myelin.Storage.E2ee;

internal sealed class DeviceListOutboundStore(StorageEngine engine) : IDeviceListOutboundStore
{
    private const string CursorName = "device_lists";

    public Task<StreamPosition> GetCursorAsync(CancellationToken cancellationToken = default) =>
        engine.ReadAsync(async db => new StreamPosition(
            await db.ScalarInt64Async("SELECT position FROM e2e_federation_cursors WHERE name = @name", ("name", CursorName)) ?? 0), cancellationToken);

    public Task SetCursorAsync(StreamPosition position, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => db.ExecuteAsync(
            "INSERT INTO e2e_federation_cursors (name, position) VALUES (@name, @position) " +
            "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            ("name", CursorName), ("position", position.Value)), cancellationToken);

    public Task<AnnouncedDeviceList?> GetAnnouncedAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync(
            "SELECT stream_id, snapshot FROM e2e_device_list_outbound WHERE user_id = @user_id",
            r => new AnnouncedDeviceList(r.GetInt64(0), r.GetString(1)), ("user_id", userId.Value)), cancellationToken);

    public Task SetAnnouncedAsync(UserId userId, long streamId, string snapshotJson, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => db.ExecuteAsync(
            "INSERT INTO e2e_device_list_outbound (user_id, stream_id, snapshot) VALUES (@user_id, @stream_id, @snapshot) " +
            "ON CONFLICT (user_id) DO UPDATE SET stream_id = excluded.stream_id, snapshot = excluded.snapshot",
            ("user_id", userId.Value), ("stream_id", streamId), ("snapshot", snapshotJson)), cancellationToken);
}
