namespace Myelin.Storage.Streams;

/// <summary>The current (highest committed) position of each persisted stream.</summary>
public interface IStreamPositionStore
{
    Task<StreamPosition> GetCurrentAsync(StreamName stream, CancellationToken cancellationToken = default);

    Task<IReadOnlyDictionary<StreamName, StreamPosition>> GetAllCurrentAsync(CancellationToken cancellationToken = default);
}
