using Myelin.Storage.Engines;

namespace Myelin.Storage.Streams;

internal sealed class StreamPositionStore(StorageEngine engine) : IStreamPositionStore
{
    public Task<StreamPosition> GetCurrentAsync(StreamName stream, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => StreamPositions.CurrentAsync(db, stream), cancellationToken);

    public Task<IReadOnlyDictionary<StreamName, StreamPosition>> GetAllCurrentAsync(CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyDictionary<StreamName, StreamPosition>>(async db =>
        {
            var result = new Dictionary<StreamName, StreamPosition>();
            foreach (var stream in Enum.GetValues<StreamName>())
            {
                result[stream] = await StreamPositions.CurrentAsync(db, stream);
            }
            return result;
        }, cancellationToken);
}
