using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Media;

/// <summary>Metadata of local media and their thumbnails (spec: client-server "Content repository").</summary>
public interface IMediaStore
{
    /// <summary>Records an uploaded item. Returns false if the media ID is taken.</summary>
    Task<bool> AddUploadedAsync(string mediaId, UserId uploader, string? contentType, string? uploadName, long size, string sha256,
        long createdTs, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reserves a media ID for an async upload expiring at <paramref name="unusedExpiresTs"/>, unless the uploader already
    /// has <paramref name="maxPending"/> unexpired pending uploads (then returns false).
    /// </summary>
    Task<bool> AddPendingAsync(string mediaId, UserId uploader, long createdTs, long unusedExpiresTs, int maxPending, long nowTs,
        CancellationToken cancellationToken = default);

    /// <summary>Fills in a pending upload's content. Returns false if it is no longer pending (already uploaded).</summary>
    Task<bool> CompletePendingAsync(string mediaId, string? contentType, string? uploadName, long size, string sha256,
        CancellationToken cancellationToken = default);

    Task<LocalMedia?> GetAsync(string mediaId, CancellationToken cancellationToken = default);

    /// <summary>Sets or clears the quarantine flag. Returns false if the media does not exist.</summary>
    Task<bool> SetQuarantinedAsync(string mediaId, bool quarantined, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the item and its thumbnails' rows; returns the sha256 digests no longer referenced by any row
    /// (so the caller can delete those files), or null if the media did not exist.
    /// </summary>
    Task<IReadOnlyList<string>?> DeleteAsync(string mediaId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes async uploads created but never uploaded whose reservation expired before <paramref name="nowTs"/>.
    /// Returns how many were deleted.
    /// </summary>
    Task<int> DeleteExpiredPendingAsync(long nowTs, CancellationToken cancellationToken = default);

    Task<MediaThumbnail?> GetThumbnailAsync(string mediaId, int width, int height, string method, bool animated,
        CancellationToken cancellationToken = default);

    /// <summary>Records a generated thumbnail (a concurrent identical one wins silently).</summary>
    Task AddThumbnailAsync(MediaThumbnail thumbnail, CancellationToken cancellationToken = default);
}
