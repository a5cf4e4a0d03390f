using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Http;

namespace Myelin.Server.Media.Previews;

/// <summary>
/// Builds URL previews: the OpenGraph data of a page, with its image (or the URL itself, if it is an image)
/// downloaded and stored as local media so clients fetch it from us, not from the page's server.
/// spec: client-server GET /_matrix/client/v1/media/preview_url — "og:image" is an mxc:// URI,
/// "matrix:image:size" its byte size. Previews are cached in memory for <see cref="CacheTtl"/>, keyed by URL;
/// concurrent requests for one URL share one download.
/// </summary>
public sealed partial class UrlPreviewer : IDisposable
{
    /// <summary>How long a preview is served from the cache before the page is fetched again.</summary>
    public static readonly TimeSpan CacheTtl = TimeSpan.FromHours(1);

    /// <summary>Total size (characters of JSON) of cached previews; past it new previews are not cached until entries expire.</summary>
    public const long CacheSizeLimit = 16L * 1024 * 1024;

    private readonly UrlPreviewConfig _config;
    private readonly long _maxDownload;
    private readonly UrlPreviewFetcher _fetcher;
    private readonly MediaService _media;
    private readonly ILogger<UrlPreviewer> _logger;
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = CacheSizeLimit });
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _inFlight = new(StringComparer.Ordinal);

    public UrlPreviewer(MyelinConfig config, UrlPreviewFetcher fetcher, MediaService media, ILogger<UrlPreviewer> logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config.UrlPreview;
        // Images are stored as uploads, so they obey max_upload_size too.
        _maxDownload = Math.Min(_config.MaxSpiderSize, config.MaxUploadSize);
        _fetcher = fetcher;
        _media = media;
        _logger = logger;
    }

    public bool Enabled => _config.Enabled;

    /// <summary>The <c>url</c> parameter as an absolute http(s) URL without fragment; 400 M_INVALID_PARAM otherwise.</summary>
    public static Uri ParseUrl(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.Host.Length == 0)
        {
            throw MatrixException.InvalidParam("'url' must be an absolute http or https URL.");
        }
        // The fragment is never sent to the server, so it does not change the preview.
        return url.Fragment.Length == 0 ? url : new UriBuilder(url) { Fragment = "" }.Uri;
    }

    /// <summary>
    /// The preview of <paramref name="url"/> (from <see cref="ParseUrl"/>). Throws 403 M_FORBIDDEN for a URL or
    /// address the configuration blocks, 502 M_UNKNOWN when the page cannot be fetched.
    /// </summary>
    public async Task<JsonObject> PreviewAsync(UserId requester, Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (_fetcher.IsBlocked(url))
        {
            throw MatrixException.Forbidden("URL blocked by url_preview_url_blacklist.");
        }
        string key = url.AbsoluteUri;
        if (!_cache.TryGetValue(key, out string? json) || json is null)
        {
            var build = _inFlight.GetOrAdd(key, k => new Lazy<Task<string>>(() => BuildAndCacheAsync(k, requester, url)));
            // The download is shared, so one client giving up does not cancel it for the others.
            json = await build.Value.WaitAsync(cancellationToken);
        }
        return JsonNode.Parse(json)!.AsObject();
    }

    private async Task<string> BuildAndCacheAsync(string key, UserId requester, Uri url)
    {
        try
        {
            var preview = await BuildAsync(requester, url);
            string json = preview.ToJsonString();
            _cache.Set(key, json, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = CacheTtl, Size = json.Length });
            return json;
        }
        catch (MatrixException e)
        {
            LogPreviewFailed(url, e.Message);
            throw;
        }
        finally
        {
            _inFlight.TryRemove(key, out _);
        }
    }

    private async Task<JsonObject> BuildAsync(UserId requester, Uri url)
    {
        var page = await _fetcher.FetchAsync(url, _maxDownload, CancellationToken.None);
        if (IsImage(page.MediaType))
        {
            var image = await StoreImageAsync(requester, page);
            if ((page.FileName ?? FileNameFromUrl(page.Url)) is { } name)
            {
                // As Synapse: a bare image is described by its file name.
                image["og:description"] = name;
            }
            return image;
        }
        if (!IsHtml(page.MediaType))
        {
            // Neither a page nor an image: nothing to preview, which the spec allows ("may be empty").
            return [];
        }
        // GetString keeps a byte order mark as U+FEFF; it is not part of the page.
        string html = HtmlCharset.Detect(page.Body, page.Charset).GetString(page.Body).TrimStart('\uFEFF');
        var og = OpenGraphParser.Parse(html);
        var preview = new JsonObject();
        foreach (var (property, value) in og)
        {
            preview[property] = value;
        }
        if (og.TryGetValue("og:image", out string? imageUrl))
        {
            await AttachImageAsync(requester, preview, page.Url, imageUrl);
        }
        return preview;
    }

    /// <summary>Replaces the page's <c>og:image</c> with a stored copy, or removes it (and its <c>og:image:*</c>) if that fails.</summary>
    private async Task AttachImageAsync(UserId requester, JsonObject preview, Uri pageUrl, string imageUrl)
    {
        foreach (string property in preview.Select(p => p.Key).Where(k => k.StartsWith("og:image:", StringComparison.Ordinal)).ToList())
        {
            // Type and size are measured on the copy; other og:image:* (e.g. secure_url) point at the remote image.
            if (property != "og:image:alt")
            {
                preview.Remove(property);
            }
        }
        preview.Remove("og:image");
        if (!Uri.TryCreate(pageUrl, imageUrl, out var url) || url.Scheme is not ("http" or "https"))
        {
            return;
        }
        try
        {
            var image = await _fetcher.FetchAsync(url, _maxDownload, CancellationToken.None);
            if (!IsImage(image.MediaType))
            {
                LogImageFailed(url, $"it is {image.MediaType ?? "untyped"}, not an image");
                return;
            }
            foreach (var (property, value) in await StoreImageAsync(requester, image))
            {
                preview[property] = value?.DeepClone();
            }
        }
        catch (MatrixException e)
        {
            // A page whose image cannot be fetched still has a preview, without the image.
            LogImageFailed(url, e.Message);
        }
    }

    /// <summary>Stores an image as local media owned by <paramref name="requester"/>; answers its og:image properties.</summary>
    private async Task<JsonObject> StoreImageAsync(UserId requester, FetchedResource image)
    {
        var uri = await _media.UploadAsync(requester, new MemoryStream(image.Body, writable: false), image.MediaType,
            image.FileName ?? FileNameFromUrl(image.Url), CancellationToken.None);
        var properties = new JsonObject
        {
            ["og:image"] = uri.Value,
            ["og:image:type"] = image.MediaType,
            ["matrix:image:size"] = image.Body.LongLength,
        };
        if (ThumbnailRenderer.ReadSize(new MemoryStream(image.Body, writable: false)) is { } size)
        {
            properties["og:image:width"] = size.Width;
            properties["og:image:height"] = size.Height;
        }
        return properties;
    }

    private static bool IsImage(string? mediaType) => mediaType?.StartsWith("image/", StringComparison.Ordinal) == true;

    private static bool IsHtml(string? mediaType) => mediaType is "text/html" or "application/xhtml+xml";

    private static string? FileNameFromUrl(Uri url)
    {
        string last = url.Segments.Length > 0 ? Uri.UnescapeDataString(url.Segments[^1]).Trim('/') : "";
        return last.Length is 0 or > 255 ? null : last;
    }

    public void Dispose() => _cache.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "URL preview of {Url} failed: {Reason}")]
    private partial void LogPreviewFailed(Uri url, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "URL preview image {Url} dropped: {Reason}")]
    private partial void LogImageFailed(Uri url, string reason);
}
