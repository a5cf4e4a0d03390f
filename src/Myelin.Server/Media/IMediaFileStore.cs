namespace Myelin.Server.Media;

/// <summary>
/// Where media bytes live, addressed by their SHA-256 (lower-case hex) so identical uploads share one file.
/// The local filesystem implementation is <see cref="LocalMediaFileStore"/>; an object store could implement this later.
/// </summary>
public interface IMediaFileStore
{
    /// <summary>
    /// Streams <paramref name="content"/> into the store, refusing more than <paramref name="maxBytes"/>
    /// (throws <see cref="MediaTooLargeException"/>, leaving nothing behind). Returns the digest and length.
    /// The content is durable when this returns.
    /// </summary>
    Task<StoredMediaFile> WriteAsync(Stream content, long maxBytes, CancellationToken cancellationToken);

    /// <summary>Opens the content for reading, or null if no file has this digest.</summary>
    Stream? OpenRead(string sha256);

    /// <summary>Removes the file if present.</summary>
    void Delete(string sha256);
}

/// <summary>The result of <see cref="IMediaFileStore.WriteAsync"/>.</summary>
public sealed record StoredMediaFile(string Sha256, long Length);

/// <summary>The content exceeded the allowed size.</summary>
public sealed class MediaTooLargeException(long limit) : Exception($"Media exceeds {limit} bytes.")
{
    public long Limit { get; } = limit;
}
