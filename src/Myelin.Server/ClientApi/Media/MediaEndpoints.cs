using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;
using Myelin.Server.Authentication;
using Myelin.Server.Configuration;
using Myelin.Server.Http;
using Myelin.Server.Media;
using Myelin.Storage.Media;

namespace Myelin.Server.ClientApi.Media;

/// <summary>
/// The content repository's upload, download and config endpoints. spec: client-server "Content repository",
/// openapi content-repo.yaml (legacy /_matrix/media/*) and authed-content-repo.yaml (/_matrix/client/v1/media/*).
/// </summary>
public static class MediaEndpoints
{
    private const string LegacyPrefix = "/_matrix/media/v3";
    private const string AuthedPrefix = "/_matrix/client/v1/media";

    /// <summary>spec: content-repo.yaml timeout_ms "Defaults to 20000 (20 seconds)"; capped as Synapse does.</summary>
    private const long DefaultTimeoutMs = 20_000;
    private const long MaxTimeoutMs = 120_000;

    /// <summary>Largest thumbnail edge a client may ask for (Synapse's dynamic thumbnail limit is similar).</summary>
    private const int MaxThumbnailDimension = 4096;

    /// <summary>spec: content_repo.md "Serving inline content" — the only types served with Content-Disposition: inline.</summary>
    private static readonly HashSet<string> InlineContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "text/css", "text/plain", "text/csv", "application/json", "application/ld+json", "image/jpeg", "image/gif", "image/png",
        "image/apng", "image/webp", "image/avif", "video/mp4", "video/webm", "video/ogg", "video/quicktime", "audio/mp4",
        "audio/webm", "audio/aac", "audio/mpeg", "audio/ogg", "audio/wave", "audio/wav", "audio/x-wav", "audio/x-pn-wav",
        "audio/flac", "audio/x-flac",
    };

    // spec: content_repo.md — the recommended policy for served content.
    private const string ContentSecurityPolicy =
        "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; object-src 'self';";

    public static IEndpointRouteBuilder MapMediaApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(LegacyPrefix + "/upload", UploadAsync);
        app.MapPost("/_matrix/media/v1/create", CreateAsync);
        app.MapPut(LegacyPrefix + "/upload/{serverName}/{mediaId}", UploadToCreatedAsync);
        app.MapGet(AuthedPrefix + "/config", GetConfig);
        app.MapGet(LegacyPrefix + "/config", GetConfig);
        app.MapGet(AuthedPrefix + "/download/{serverName}/{mediaId}",
            (string serverName, string mediaId, HttpContext context, Requester requester, MediaService media) =>
                DownloadAsync(serverName, mediaId, null, context, media));
        app.MapGet(AuthedPrefix + "/download/{serverName}/{mediaId}/{fileName}",
            (string serverName, string mediaId, string fileName, HttpContext context, Requester requester, MediaService media) =>
                DownloadAsync(serverName, mediaId, fileName, context, media));
        app.MapGet(LegacyPrefix + "/download/{serverName}/{mediaId}",
            (string serverName, string mediaId, HttpContext context, MediaService media, MyelinConfig config) =>
                DownloadLegacyAsync(serverName, mediaId, null, context, media, config));
        app.MapGet(LegacyPrefix + "/download/{serverName}/{mediaId}/{fileName}",
            (string serverName, string mediaId, string fileName, HttpContext context, MediaService media, MyelinConfig config) =>
                DownloadLegacyAsync(serverName, mediaId, fileName, context, media, config));
        app.MapGet(AuthedPrefix + "/thumbnail/{serverName}/{mediaId}",
            (string serverName, string mediaId, HttpContext context, Requester requester, MediaService media) =>
                ThumbnailAsync(serverName, mediaId, context, media));
        app.MapGet(LegacyPrefix + "/thumbnail/{serverName}/{mediaId}",
            (string serverName, string mediaId, HttpContext context, MediaService media, MyelinConfig config) =>
                config.LegacyMediaEnabled
                    ? ThumbnailAsync(serverName, mediaId, context, media)
                    : throw MatrixException.NotFound("Unauthenticated media access is disabled; use /_matrix/client/v1/media/thumbnail."));
        app.MapGet(AuthedPrefix + "/preview_url", PreviewUrl);
        app.MapGet(LegacyPrefix + "/preview_url", PreviewUrl);
        return app;
    }

    private static async Task<IResult> UploadAsync(HttpContext context, Requester requester, MediaService media, RateLimiter rateLimiter)
    {
        rateLimiter.Acquire(RateLimitAction.Message, RateLimiter.KeyFor(requester.UserId));
        var (contentType, fileName) = ReadUploadRequest(context, media);
        var uri = await media.UploadAsync(requester.UserId, context.Request.Body, contentType, fileName, context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["content_uri"] = uri.Value });
    }

    private static async Task<IResult> CreateAsync(HttpContext context, Requester requester, MediaService media, RateLimiter rateLimiter)
    {
        rateLimiter.Acquire(RateLimitAction.Message, RateLimiter.KeyFor(requester.UserId));
        var (uri, expires) = await media.CreatePendingAsync(requester.UserId, context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["content_uri"] = uri.Value, ["unused_expires_at"] = expires });
    }

    private static async Task<IResult> UploadToCreatedAsync(string serverName, string mediaId, HttpContext context, Requester requester,
        MediaService media, RateLimiter rateLimiter)
    {
        rateLimiter.Acquire(RateLimitAction.Message, RateLimiter.KeyFor(requester.UserId));
        var (contentType, fileName) = ReadUploadRequest(context, media);
        await media.UploadPendingAsync(requester.UserId, serverName, mediaId, context.Request.Body, contentType, fileName, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static IResult GetConfig(Requester requester, MediaService media) =>
        MatrixResults.Json(new JsonObject { ["m.upload.size"] = media.MaxUploadSize });

    private static Task DownloadLegacyAsync(string serverName, string mediaId, string? fileName, HttpContext context, MediaService media,
        MyelinConfig config)
    {
        if (!config.LegacyMediaEnabled)
        {
            // spec: content_repo.md — servers SHOULD "freeze" the deprecated unauthenticated endpoints.
            throw MatrixException.NotFound("Unauthenticated media access is disabled; use /_matrix/client/v1/media/download.");
        }
        return DownloadAsync(serverName, mediaId, fileName, context, media);
    }

    private static IResult PreviewUrl(Requester requester) =>
        // URL previews are off (Myelin does not fetch them); Synapse answers the same way when url_preview_enabled is false.
        throw MatrixException.UnrecognizedEndpoint("URL previews are disabled on this server.");

    private static async Task DownloadAsync(string serverName, string mediaId, string? fileName, HttpContext context, MediaService media)
    {
        var timeout = TimeSpan.FromMilliseconds(ParseTimeout(context.Request.Query["timeout_ms"]));
        var item = await media.GetForDownloadAsync(serverName, mediaId, timeout, context.RequestAborted);
        await using var content = media.OpenContent(item);
        WriteContentHeaders(context.Response, item, fileName ?? item.UploadName);
        context.Response.ContentLength = content.Length;
        await content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static async Task ThumbnailAsync(string serverName, string mediaId, HttpContext context, MediaService media)
    {
        var query = context.Request.Query;
        int width = ParseDimension(query["width"], "width");
        int height = ParseDimension(query["height"], "height");
        var method = query["method"].Count == 0 ? ThumbnailMethod.Scale : query["method"][0] switch
        {
            "scale" => ThumbnailMethod.Scale,
            "crop" => ThumbnailMethod.Crop,
            _ => throw MatrixException.InvalidParam("'method' must be 'crop' or 'scale'."),
        };
        if (query["animated"].Count > 0 && query["animated"][0] is not ("true" or "false"))
        {
            throw MatrixException.InvalidParam("'animated' must be 'true' or 'false'.");
        }
        var timeout = TimeSpan.FromMilliseconds(ParseTimeout(query["timeout_ms"]));
        var item = await media.GetForDownloadAsync(serverName, mediaId, timeout, context.RequestAborted);
        // Thumbnails are static; spec: animated=true "SHOULD" (not MUST) return an animated thumbnail.
        var thumbnail = await media.GetThumbnailAsync(item, width, height, method, context.RequestAborted);
        await using var content = thumbnail?.Content ?? media.OpenContent(item);
        WriteContentHeaders(context.Response, item, thumbnail is null ? item.UploadName : null, thumbnail?.ContentType);
        context.Response.ContentLength = content.Length;
        await content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static int ParseDimension(Microsoft.Extensions.Primitives.StringValues value, string name)
    {
        if (value.Count == 0)
        {
            throw MatrixException.MissingParam($"'{name}' is required.");
        }
        if (!int.TryParse(value[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pixels) || pixels < 1 || pixels > MaxThumbnailDimension)
        {
            throw MatrixException.InvalidParam($"'{name}' must be an integer from 1 to {MaxThumbnailDimension}.");
        }
        return pixels;
    }

    private static void WriteContentHeaders(HttpResponse response, LocalMedia item, string? fileName, string? contentTypeOverride = null)
    {
        string contentType = contentTypeOverride ?? item.ContentType ?? "application/octet-stream";
        string mediaType = contentType.Split(';', 2)[0].Trim();
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        var disposition = new ContentDispositionHeaderValue(InlineContentTypes.Contains(mediaType) ? "inline" : "attachment");
        if (!string.IsNullOrEmpty(fileName))
        {
            // Sets filename (ASCII fallback) and filename* (RFC 5987 UTF-8) when needed.
            disposition.SetHttpFileName(fileName);
        }
        response.Headers.ContentDisposition = disposition.ToString();
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        // spec: content_repo.md (v1.4) "Cross-Origin-Resource-Policy: cross-origin".
        response.Headers["Cross-Origin-Resource-Policy"] = "cross-origin";
        response.Headers.XContentTypeOptions = "nosniff";
    }

    private static long ParseTimeout(Microsoft.Extensions.Primitives.StringValues value)
    {
        if (value.Count == 0)
        {
            return DefaultTimeoutMs;
        }
        if (!long.TryParse(value[0], NumberStyles.None, CultureInfo.InvariantCulture, out long ms))
        {
            throw MatrixException.InvalidParam("'timeout_ms' must be a non-negative integer.");
        }
        return Math.Min(ms, MaxTimeoutMs);
    }

    private static (string? ContentType, string? FileName) ReadUploadRequest(HttpContext context, MediaService media)
    {
        if (context.Request.ContentLength is { } length && length > media.MaxUploadSize)
        {
            throw MatrixException.TooLarge($"The upload exceeds the maximum of {media.MaxUploadSize} bytes.");
        }
        // The host-wide body limit (max_request_body_size) is for JSON; uploads are bounded by max_upload_size while streaming.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = media.MaxUploadSize + 1;
        }
        string? fileName = context.Request.Query["filename"].Count > 0 ? context.Request.Query["filename"][0] : null;
        string? contentType = context.Request.ContentType;
        if (contentType is not null && (contentType.Length > 255 || contentType.Any(char.IsControl)))
        {
            throw MatrixException.InvalidParam("The Content-Type header is not valid.");
        }
        return (string.IsNullOrWhiteSpace(contentType) ? null : contentType, string.IsNullOrEmpty(fileName) ? null : fileName);
    }
}
