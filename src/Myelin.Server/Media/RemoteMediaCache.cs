using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation;
using Myelin.Server.Federation.Client;
using Myelin.Server.Http;
using Myelin.Server.Metrics;
using Myelin.Storage;
using Myelin.Storage.Media;

namespace Myelin.Server.Media;

/// <summary>
/// Other servers' media for our clients: fetched over federation on first request (spec: server-server "Content
/// Repository": <c>/_matrix/federation/v1/media/*</c>, falling back to the deprecated <c>/_matrix/media/v3/*</c> with
/// <c>allow_remote=false</c> on 404 <c>M_UNRECOGNIZED</c>), then served from a local cache bounded by
/// <c>remote_media_cache_max_bytes</c> (least recently accessed dropped first) and <c>remote_media_cache_ttl</c>.
/// Concurrent requests for the same item share one fetch.
/// </summary>
public sealed partial class RemoteMediaCache
{
    /// <summary>Longest time one fetch may take to deliver the bytes (after the remote started answering).</summary>
    public static readonly TimeSpan DownloadTimeout = TimeSpan.FromMinutes(5);

    /// <summary>An item's access time is written at most this often (it only orders eviction).</summary>
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<RemoteMediaKey, Lazy<Task<RemoteMedia>>> _inflight = new();
    private readonly MyelinDatabase _db;
    private readonly IMediaFileStore _files;
    private readonly FederationClient _client;
    private readonly FederationOptions _federationOptions;
    private readonly MyelinConfig _config;
    private readonly TimeProvider _time;
    private readonly CancellationToken _stopping;
    private readonly ILogger<RemoteMediaCache> _logger;

    public RemoteMediaCache(MyelinDatabase db, IMediaFileStore files, FederationClient client, FederationOptions federationOptions, MyelinConfig config,
        TimeProvider time, IHostApplicationLifetime lifetime, MyelinMetrics metrics, ILogger<RemoteMediaCache> logger)
    {
        ArgumentNullException.ThrowIfNull(lifetime);
        ArgumentNullException.ThrowIfNull(metrics);
        Fetches = metrics.CreateCounter("myelin_remote_media_fetches_total",
            "Fetches of remote media (originals and thumbnails) from other servers, by result (ok, error).", "result");
        _db = db;
        _files = files;
        _client = client;
        _federationOptions = federationOptions;
        _config = config;
        _time = time;
        _stopping = lifetime.ApplicationStopping;
        _logger = logger;
    }

    /// <summary><c>myelin_remote_media_fetches_total{result}</c>: requests to other servers for media (cache misses).</summary>
    public Counter Fetches { get; }

    /// <summary>Items being fetched right now (one entry however many requests wait for it).</summary>
    internal int FetchesInFlight => _inflight.Count;

    /// <summary>Largest remote media (or thumbnail) this server fetches: <c>max_upload_size</c>, as Synapse does.</summary>
    public long MaxMediaSize => _config.MaxUploadSize;

    /// <summary>
    /// The original media <c>mxc://origin/mediaId</c> and its bytes (the caller disposes the stream). Throws 404
    /// M_NOT_FOUND, 504 M_NOT_YET_UPLOADED, 502 M_TOO_LARGE, 403 (federation not allowed) or 502 M_UNKNOWN.
    /// </summary>
    public Task<(RemoteMedia Media, Stream Content)> GetAsync(ServerName origin, string mediaId, TimeSpan timeout, CancellationToken ct) =>
        GetOrFetchAsync(RemoteMediaKey.Original(origin, mediaId), timeout, ct);

    /// <summary>A thumbnail of remote media as the origin rendered it, cached per size and method. Errors as <see cref="GetAsync"/>.</summary>
    public Task<(RemoteMedia Media, Stream Content)> GetThumbnailAsync(ServerName origin, string mediaId, int width, int height, ThumbnailMethod method,
        TimeSpan timeout, CancellationToken ct) =>
        GetOrFetchAsync(RemoteMediaKey.Thumbnail(origin, mediaId, width, height, method == ThumbnailMethod.Crop ? "crop" : "scale"), timeout, ct);

    /// <summary>
    /// Drops items unused for <c>remote_media_cache_ttl</c>, then the least recently used ones above
    /// <c>remote_media_cache_max_bytes</c>, and deletes their files. Returns how many files were deleted.
    /// </summary>
    public async Task<int> EvictAsync(CancellationToken ct)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var unreferenced = await _db.RemoteMedia.EvictAsync(now - (long)_config.RemoteMediaCacheTtl.TotalMilliseconds, _config.RemoteMediaCacheMaxBytes,
            null, ct);
        DeleteFiles(unreferenced);
        return unreferenced.Count;
    }

    private async Task<(RemoteMedia Media, Stream Content)> GetOrFetchAsync(RemoteMediaKey key, TimeSpan timeout, CancellationToken ct)
    {
        if (_config.FederationDomainWhitelist is { } whitelist && !whitelist.Contains(key.Origin.Value, StringComparer.OrdinalIgnoreCase))
        {
            throw MatrixException.Forbidden($"Federation with {key.Origin} is not allowed by this server.");
        }
        // Two rounds: a cached file can be evicted by a concurrent fetch between reading its row and opening it.
        for (int round = 0; round < 2; round++)
        {
            if (await _db.RemoteMedia.GetAsync(key, ct) is { } cached)
            {
                if (_files.OpenRead(cached.Sha256) is { } content)
                {
                    long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                    if (now - cached.LastAccessTs >= (long)TouchInterval.TotalMilliseconds)
                    {
                        await _db.RemoteMedia.TouchAsync(key, now, ct);
                    }
                    return (cached, content);
                }
                // The row outlived its file (deleted by hand, or a race with eviction): forget it and fetch again.
                await _db.RemoteMedia.RemoveAsync(key, ct);
            }
            var fetched = await FetchSharedAsync(key, timeout).WaitAsync(ct);
            if (_files.OpenRead(fetched.Sha256) is { } fresh)
            {
                return (fetched, fresh);
            }
        }
        throw MatrixException.Unknown("The remote media was evicted while being fetched; try again.", 502);
    }

    // One fetch per item at a time; it runs on the server's lifetime, not the first requester's, so a requester that
    // goes away does not fail the others waiting for the same item.
    private Task<RemoteMedia> FetchSharedAsync(RemoteMediaKey key, TimeSpan timeout)
    {
        var lazy = _inflight.GetOrAdd(key, k => new Lazy<Task<RemoteMedia>>(() => FetchAndStoreAsync(k, timeout)));
        var task = lazy.Value;
        _ = task.ContinueWith(_ => _inflight.TryRemove(new KeyValuePair<RemoteMediaKey, Lazy<Task<RemoteMedia>>>(key, lazy)),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    private async Task<RemoteMedia> FetchAndStoreAsync(RemoteMediaKey key, TimeSpan timeout)
    {
        await Task.Yield();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        deadline.CancelAfter(timeout + _federationOptions.RequestTimeout + DownloadTimeout);
        var ct = deadline.Token;
        StoredMediaFile stored;
        string? contentType;
        string? fileName;
        string result = "error";
        try
        {
            await using var download = await DownloadAsync(key, timeout, ct);
            if (download.Length > MaxMediaSize)
            {
                throw RemoteTooLarge();
            }
            stored = await _files.WriteAsync(download.Content, MaxMediaSize, ct);
            (contentType, fileName) = (download.ContentType, key.IsThumbnail ? null : download.FileName);
            result = "ok";
        }
        catch (MediaTooLargeException)
        {
            throw RemoteTooLarge();
        }
        catch (FederationRequestException e)
        {
            LogFetchFailed(key.Origin, key.MediaId, e.Message);
            throw ToMatrixError(key, e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException
            || (e is OperationCanceledException && !_stopping.IsCancellationRequested))
        {
            LogFetchFailed(key.Origin, key.MediaId, e.Message);
            throw MatrixException.Unknown($"Failed to fetch the media from {key.Origin}.", 502);
        }
        finally
        {
            Fetches.WithLabels(result).Inc();
        }
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var media = new RemoteMedia(key, string.IsNullOrWhiteSpace(contentType) ? null : contentType, fileName, stored.Length, stored.Sha256, now, now);
        await _db.RemoteMedia.PutAsync(media, CancellationToken.None);
        if (await _db.RemoteMedia.GetTotalSizeAsync(CancellationToken.None) > _config.RemoteMediaCacheMaxBytes)
        {
            DeleteFiles(await _db.RemoteMedia.EvictAsync(now - (long)_config.RemoteMediaCacheTtl.TotalMilliseconds, _config.RemoteMediaCacheMaxBytes,
                key, CancellationToken.None));
        }
        return media;
    }

    private async Task<RemoteMediaDownload> DownloadAsync(RemoteMediaKey key, TimeSpan timeout, CancellationToken ct)
    {
        string id = Uri.EscapeDataString(key.MediaId);
        string query = "timeout_ms=" + ((long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        if (key.IsThumbnail)
        {
            query = string.Create(CultureInfo.InvariantCulture, $"width={key.Width}&height={key.Height}&method={key.Method}&animated=false&{query}");
        }
        string kind = key.IsThumbnail ? "thumbnail" : "download";
        // The remote may wait up to timeout_ms for a pending upload before it starts answering.
        var headersTimeout = timeout + _federationOptions.RequestTimeout;
        try
        {
            var response = await _client.GetStreamingAsync(key.Origin, $"/_matrix/federation/v1/media/{kind}/{id}?{query}", authenticated: true,
                headersTimeout, ct);
            return await RemoteMediaDownload.FromMultipartAsync(response, _client, key.Origin, headersTimeout, ct);
        }
        catch (FederationRequestException e) when (e.StatusCode is 404 or 400 && e.Errcode == "M_UNRECOGNIZED")
        {
            // spec: server-server "Content Repository" — "falling back to the deprecated /_matrix/media/* endpoints when
            // they receive a 404 M_UNRECOGNIZED error. When falling back, servers MUST be sure to set allow_remote to false."
            var response = await _client.GetStreamingAsync(key.Origin,
                $"/_matrix/media/v3/{kind}/{key.Origin.Value}/{id}?{query}&allow_remote=false", authenticated: false, headersTimeout, ct);
            return await RemoteMediaDownload.FromPlainAsync(response, ct);
        }
    }

    private MatrixException ToMatrixError(RemoteMediaKey key, FederationRequestException e) => (e.StatusCode, e.Errcode) switch
    {
        (404, _) => MatrixException.NotFound($"Media not found on {key.Origin}."),
        (_, "M_NOT_YET_UPLOADED") => new MatrixException("M_NOT_YET_UPLOADED", "The content has not been uploaded yet.", 504),
        (_, "M_TOO_LARGE") => RemoteTooLarge(),
        // spec: thumbnail 400 "the server cannot thumbnail the content".
        (400, _) when key.IsThumbnail => MatrixException.Unknown($"{key.Origin} cannot thumbnail this content.", 400),
        _ => MatrixException.Unknown($"Failed to fetch the media from {key.Origin}.", 502),
    };

    // spec: authed-content-repo.yaml "502: The content is too large for the server to serve".
    private MatrixException RemoteTooLarge() => new(MatrixErrorCodes.TooLarge, $"Remote media is larger than this server's limit of {MaxMediaSize} bytes.", 502);

    private void DeleteFiles(IEnumerable<string> digests)
    {
        foreach (string digest in digests)
        {
            _files.Delete(digest);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetching media mxc://{Origin}/{MediaId} failed: {Reason}")]
    private partial void LogFetchFailed(ServerName origin, string mediaId, string reason);
}
