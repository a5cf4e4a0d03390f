using Myelin.Storage.Engines;

namespace Myelin.Storage.Streams;

internal sealed class StreamPositionStore(StorageEngine engine) : IStreamPositionStore
{
    public Task<StreamPosition> GetCurrentAsync(StreamName stream, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => StreamPositions.CurrentAsync(db, stream), cancellationToken);

    public Task<IReadOnlyDictionary<StreamName, StreamPosition>> GetAllCurrentAsync(CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyDictionary<StreamName, StreamPosition>>(async db =>
        {
            var rows = await db.QueryAsync("SELECT stream, position FROM stream_positions", r => (Key: r.GetString(0), Position: r.GetInt64(1)));
            var byKey = rows.ToDictionary(r => r.Key, r => r.Position, StringComparer.Ordinal);
            return Enum.GetValues<StreamName>().ToDictionary(
                stream => stream,
                stream => new StreamPosition(byKey.TryGetValue(StreamPositions.Key(stream), out long position) ? position : 0));
        }, cancellationToken);
}
