namespace Myelin.Storage.Media;

/// <summary>
/// The cache of other servers' media (spec: server-server "Content Repository"): metadata rows, bounded in total size
/// and age by <see cref="EvictAsync"/> in least-recently-accessed order.
/// </summary>
public interface IRemoteMediaStore
{
    Task<RemoteMedia?> GetAsync(RemoteMediaKey key, CancellationToken cancellationToken = default);

    /// <summary>Records (or replaces) a cached item.</summary>
    Task PutAsync(RemoteMedia media, CancellationToken cancellationToken = default);

    /// <summary>Marks the item as used at <paramref name="accessTs"/> (the eviction order).</summary>
    Task TouchAsync(RemoteMediaKey key, long accessTs, CancellationToken cancellationToken = default);

    /// <summary>
    /// Forgets one item; returns its sha256 when no other row uses that file any more (so the caller deletes the
    /// file), otherwise null.
    /// </summary>
    Task<string?> RemoveAsync(RemoteMediaKey key, CancellationToken cancellationToken = default);

    /// <summary>The sum of the cached items' sizes in bytes.</summary>
    Task<long> GetTotalSizeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Drops items last accessed before <paramref name="accessedBeforeTs"/>, then the least recently accessed ones
    /// until the total size is at most <paramref name="maxTotalBytes"/> (never <paramref name="keep"/>, the item just
    /// fetched). Returns the sha256 digests no remaining row uses (the caller deletes those files).
    /// </summary>
    Task<IReadOnlyList<string>> EvictAsync(long accessedBeforeTs, long maxTotalBytes, RemoteMediaKey? keep,
        CancellationToken cancellationToken = default);
}
