using System.Security.Cryptography;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Http;
using Myelin.Storage;
using Myelin.Storage.Media;

namespace Myelin.Server.Media;

/// <summary>
/// The local content repository: uploads (direct and async), downloads, quarantine and deletion.
/// spec: client-server "Content repository". Other servers' media is <see cref="RemoteMediaCache"/>'s.
/// </summary>
public sealed class MediaService
{
    /// <summary>spec: content-repo.yaml POST /media/v1/create — "recommended default expiration is 24 hours".</summary>
    public static readonly TimeSpan PendingUploadLifetime = TimeSpan.FromHours(24);

    /// <summary>Pending (created, not yet uploaded) media a user may hold at once, as Synapse's default.</summary>
    public const int MaxPendingUploadsPerUser = 5;

    private const string MediaIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static readonly TimeSpan PendingPollInterval = TimeSpan.FromMilliseconds(200);

    // A decode may take up to 32 MP × 4 bytes; bound how many run at once so thumbnail bursts cannot exhaust memory.
    private readonly SemaphoreSlim _renderSlots = new(Math.Max(1, Environment.ProcessorCount / 2));

    private readonly MyelinDatabase _db;
    private readonly IMediaFileStore _files;
    private readonly MyelinConfig _config;
    private readonly TimeProvider _time;

    public MediaService(MyelinDatabase db, IMediaFileStore files, MyelinConfig config, TimeProvider time)
    {
        _db = db;
        _files = files;
        _config = config;
        _time = time;
    }

    public long MaxUploadSize => _config.MaxUploadSize;

    /// <summary>Stores new content and returns its <c>mxc://</c> URI. Throws 413 M_TOO_LARGE above max_upload_size.</summary>
    public async Task<MxcUri> UploadAsync(UserId uploader, Stream content, string? contentType, string? uploadName, CancellationToken ct)
    {
        var stored = await StoreAsync(content, ct);
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        while (true)
        {
            string mediaId = NewMediaId();
            if (await _db.Media.AddUploadedAsync(mediaId, uploader, contentType, uploadName, stored.Length, stored.Sha256, now, ct))
            {
                return MxcUri.Create(_config.ServerName, mediaId);
            }
        }
    }

    /// <summary>Reserves an <c>mxc://</c> URI for a later upload. spec: POST /_matrix/media/v1/create.</summary>
    public async Task<(MxcUri ContentUri, long UnusedExpiresAt)> CreatePendingAsync(UserId uploader, CancellationToken ct)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long expires = now + (long)PendingUploadLifetime.TotalMilliseconds;
        while (true)
        {
            string mediaId = NewMediaId();
            if (await _db.Media.GetAsync(mediaId, ct) is not null)
            {
                continue;
            }
            if (!await _db.Media.AddPendingAsync(mediaId, uploader, now, expires, MaxPendingUploadsPerUser, now, ct))
            {
                // spec: "the server should respond with an HTTP 429 error with an errcode of M_LIMIT_EXCEEDED".
                throw MatrixException.LimitExceeded(TimeSpan.FromMinutes(1), "Too many pending media uploads.");
            }
            return (MxcUri.Create(_config.ServerName, mediaId), expires);
        }
    }

    /// <summary>Uploads the content of a created media ID. spec: PUT /_matrix/media/v3/upload/{serverName}/{mediaId}.</summary>
    public async Task UploadPendingAsync(UserId uploader, string serverName, string mediaId, Stream content, string? contentType,
        string? uploadName, CancellationToken ct)
    {
        var media = IsLocal(serverName) ? await _db.Media.GetAsync(mediaId, ct) : null;
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (media is null || (!media.IsUploaded && media.UnusedExpiresTs <= now))
        {
            throw MatrixException.NotFound("Unknown media ID.");
        }
        if (media.Uploader != uploader)
        {
            throw MatrixException.Forbidden("Only the user who created this media ID may upload its content.");
        }
        if (media.IsUploaded)
        {
            throw CannotOverwrite();
        }
        var stored = await StoreAsync(content, ct);
        if (!await _db.Media.CompletePendingAsync(mediaId, contentType, uploadName, stored.Length, stored.Sha256, ct))
        {
            throw CannotOverwrite();
        }
    }

    /// <summary>
    /// The uploaded local media for a download, waiting up to <paramref name="timeout"/> for a pending async upload
    /// (then 504 M_NOT_YET_UPLOADED). Unknown, remote and quarantined media are 404 M_NOT_FOUND.
    /// </summary>
    public async Task<LocalMedia> GetForDownloadAsync(string serverName, string mediaId, TimeSpan timeout, CancellationToken ct)
    {
        if (!IsLocal(serverName))
        {
            // Remote media is served by RemoteMediaCache; this repository only holds our own.
            throw MatrixException.NotFound("Media not found.");
        }
        long deadline = _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        while (true)
        {
            var media = await _db.Media.GetAsync(mediaId, ct);
            long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            if (media is null || media.Quarantined || (!media.IsUploaded && media.UnusedExpiresTs <= now))
            {
                throw MatrixException.NotFound("Media not found.");
            }
            if (media.IsUploaded)
            {
                return media;
            }
            if (_time.GetTimestamp() >= deadline)
            {
                // spec: content-repo.yaml "504 ... M_NOT_YET_UPLOADED".
                throw new MatrixException("M_NOT_YET_UPLOADED", "The content has not been uploaded yet.", 504);
            }
            await Task.Delay(PendingPollInterval, _time, ct);
        }
    }

    /// <summary>Opens the stored bytes of uploaded media; a missing file is reported as 404.</summary>
    public Stream OpenContent(LocalMedia media)
    {
        ArgumentNullException.ThrowIfNull(media);
        return (media.Sha256 is null ? null : _files.OpenRead(media.Sha256)) ?? throw MatrixException.NotFound("Media content is missing.");
    }

    /// <summary>
    /// A thumbnail of uploaded local media: from the cache, freshly rendered (then cached per media, size and method),
    /// or null when the original is no larger than requested (serve the original then).
    /// </summary>
    public async Task<(Stream Content, string ContentType)?> GetThumbnailAsync(LocalMedia media, int width, int height, ThumbnailMethod method,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(media);
        string methodName = method == ThumbnailMethod.Crop ? "crop" : "scale";
        if (await _db.Media.GetThumbnailAsync(media.MediaId, width, height, methodName, false, ct) is { } cached
            && _files.OpenRead(cached.Sha256) is { } cachedContent)
        {
            return (cachedContent, cached.ContentType);
        }
        (byte[] Bytes, string ContentType, int Width, int Height)? rendered;
        await _renderSlots.WaitAsync(ct);
        try
        {
            await using var original = OpenContent(media);
            rendered = ThumbnailRenderer.Render(original, width, height, method);
        }
        catch (ThumbnailException e)
        {
            throw e.TooLarge ? MatrixException.TooLarge(e.Message) : MatrixException.Unknown(e.Message, 400);
        }
        finally
        {
            _renderSlots.Release();
        }
        if (rendered is not { } thumbnail)
        {
            return null;
        }
        var stored = await _files.WriteAsync(new MemoryStream(thumbnail.Bytes, writable: false), long.MaxValue, ct);
        await _db.Media.AddThumbnailAsync(
            new MediaThumbnail(media.MediaId, width, height, methodName, false, thumbnail.ContentType, stored.Length, stored.Sha256), ct);
        return (new MemoryStream(thumbnail.Bytes, writable: false), thumbnail.ContentType);
    }

    /// <summary>Admin: quarantines a local media item (downloads then answer 404). Returns false if unknown.</summary>
    public Task<bool> QuarantineAsync(string serverName, string mediaId, bool quarantined, CancellationToken ct) =>
        IsLocal(serverName) ? _db.Media.SetQuarantinedAsync(mediaId, quarantined, ct) : Task.FromResult(false);

    /// <summary>Admin: deletes a local media item and any files no other item uses. Returns false if unknown.</summary>
    public async Task<bool> DeleteAsync(string serverName, string mediaId, CancellationToken ct)
    {
        if (!IsLocal(serverName))
        {
            return false;
        }
        var unreferenced = await _db.Media.DeleteAsync(mediaId, ct);
        if (unreferenced is null)
        {
            return false;
        }
        foreach (string digest in unreferenced)
        {
            _files.Delete(digest);
        }
        return true;
    }

    private bool IsLocal(string serverName) => string.Equals(serverName, _config.ServerName.Value, StringComparison.Ordinal);

    private async Task<StoredMediaFile> StoreAsync(Stream content, CancellationToken ct)
    {
        try
        {
            return await _files.WriteAsync(content, _config.MaxUploadSize, ct);
        }
        catch (MediaTooLargeException e)
        {
            throw MatrixException.TooLarge($"The upload exceeds the maximum of {e.Limit} bytes.");
        }
    }

    private static MatrixException CannotOverwrite() => new("M_CANNOT_OVERWRITE_MEDIA", "Media already uploaded.", 409);

    // spec: media IDs "MUST consist of only alphanumeric (A-Za-z0-9), _ and - characters".
    private static string NewMediaId() => RandomNumberGenerator.GetString(MediaIdAlphabet, 24);
}
