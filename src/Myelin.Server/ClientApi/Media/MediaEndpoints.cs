using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Configuration;
using Myelin.Server.Http;
using Myelin.Server.Media;

namespace Myelin.Server.ClientApi.Media;

/// <summary>
/// The content repository's upload, download and config endpoints (URL previews are <see cref="UrlPreviewEndpoints"/>).
/// spec: client-server "Content repository", openapi content-repo.yaml (legacy /_matrix/media/*) and
/// authed-content-repo.yaml (/_matrix/client/v1/media/*).
/// </summary>
public static class MediaEndpoints
{
    private const string LegacyPrefix = "/_matrix/media/v3";
    private const string AuthedPrefix = "/_matrix/client/v1/media";

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
            (string serverName, string mediaId, HttpContext context, Requester requester, MediaService media, RemoteMediaCache remote, MyelinConfig config) =>
                DownloadAsync(serverName, mediaId, null, context, media, remote, config));
        app.MapGet(AuthedPrefix + "/download/{serverName}/{mediaId}/{fileName}",
            (string serverName, string mediaId, string fileName, HttpContext context, Requester requester, MediaService media, RemoteMediaCache remote,
                MyelinConfig config) => DownloadAsync(serverName, mediaId, fileName, context, media, remote, config));
        app.MapGet(LegacyPrefix + "/download/{serverName}/{mediaId}",
            (string serverName, string mediaId, HttpContext context, MediaService media, RemoteMediaCache remote, MyelinConfig config) =>
                DownloadAsync(serverName, mediaId, null, context, media, remote, RequireLegacy(config, "download")));
        app.MapGet(LegacyPrefix + "/download/{serverName}/{mediaId}/{fileName}",
            (string serverName, string mediaId, string fileName, HttpContext context, MediaService media, RemoteMediaCache remote, MyelinConfig config) =>
                DownloadAsync(serverName, mediaId, fileName, context, media, remote, RequireLegacy(config, "download")));
        app.MapGet(AuthedPrefix + "/thumbnail/{serverName}/{mediaId}",
            (string serverName, string mediaId, HttpContext context, Requester requester, MediaService media, RemoteMediaCache remote, MyelinConfig config) =>
                ThumbnailAsync(serverName, mediaId, context, media, remote, config));
        app.MapGet(LegacyPrefix + "/thumbnail/{serverName}/{mediaId}",
            (string serverName, string mediaId, HttpContext context, MediaService media, RemoteMediaCache remote, MyelinConfig config) =>
                ThumbnailAsync(serverName, mediaId, context, media, remote, RequireLegacy(config, "thumbnail")));
        return app;
    }

    private static async Task<IResult> UploadAsync(HttpContext context, Requester requester, MediaService media, RateLimiter rateLimiter)
    {
        rateLimiter.Acquire(RateLimitAction.MediaCreate, RateLimiter.KeyFor(requester.UserId));
        var (contentType, fileName) = ReadUploadRequest(context, media);
        var uri = await media.UploadAsync(requester.UserId, context.Request.Body, contentType, fileName, context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["content_uri"] = uri.Value });
    }

    private static async Task<IResult> CreateAsync(HttpContext context, Requester requester, MediaService media, RateLimiter rateLimiter)
    {
        rateLimiter.Acquire(RateLimitAction.MediaCreate, RateLimiter.KeyFor(requester.UserId));
        var (uri, expires) = await media.CreatePendingAsync(requester.UserId, context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["content_uri"] = uri.Value, ["unused_expires_at"] = expires });
    }

    private static async Task<IResult> UploadToCreatedAsync(string serverName, string mediaId, HttpContext context, Requester requester,
        MediaService media, RateLimiter rateLimiter)
    {
        rateLimiter.Acquire(RateLimitAction.MediaCreate, RateLimiter.KeyFor(requester.UserId));
        var (contentType, fileName) = ReadUploadRequest(context, media);
        await media.UploadPendingAsync(requester.UserId, serverName, mediaId, context.Request.Body, contentType, fileName, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static IResult GetConfig(Requester requester, MediaService media) =>
        MatrixResults.Json(new JsonObject { ["m.upload.size"] = media.MaxUploadSize });

    private static MyelinConfig RequireLegacy(MyelinConfig config, string endpoint) =>
        // spec: content_repo.md — servers SHOULD "freeze" the deprecated unauthenticated endpoints.
        config.LegacyMediaEnabled ? config
            : throw MatrixException.NotFound($"Unauthenticated media access is disabled; use /_matrix/client/v1/media/{endpoint}.");

    private static async Task DownloadAsync(string serverName, string mediaId, string? fileName, HttpContext context, MediaService media,
        RemoteMediaCache remote, MyelinConfig config)
    {
        var query = context.Request.Query;
        var timeout = MediaQuery.Timeout(query);
        if (RemoteOrigin(serverName, mediaId, query, config) is { } origin)
        {
            var (cached, remoteContent) = await remote.GetAsync(origin, mediaId, timeout, context.RequestAborted);
            await using (remoteContent)
            {
                // spec: authed-content-repo.yaml — "the remote server's filename in the Content-Disposition header is used".
                await WriteContentAsync(context, remoteContent, cached.ContentType, fileName ?? cached.UploadName);
            }
            return;
        }
        var item = await media.GetForDownloadAsync(serverName, mediaId, timeout, context.RequestAborted);
        await using var content = media.OpenContent(item);
        await WriteContentAsync(context, content, item.ContentType, fileName ?? item.UploadName);
    }

    private static async Task ThumbnailAsync(string serverName, string mediaId, HttpContext context, MediaService media, RemoteMediaCache remote,
        MyelinConfig config)
    {
        var query = context.Request.Query;
        var request = MediaQuery.Thumbnail(query);
        if (RemoteOrigin(serverName, mediaId, query, config) is { } origin)
        {
            var (cached, remoteContent) = await remote.GetThumbnailAsync(origin, mediaId, request.Width, request.Height, request.Method, request.Timeout,
                context.RequestAborted);
            await using (remoteContent)
            {
                await WriteContentAsync(context, remoteContent, cached.ContentType, null);
            }
            return;
        }
        var item = await media.GetForDownloadAsync(serverName, mediaId, request.Timeout, context.RequestAborted);
        var thumbnail = await media.GetThumbnailAsync(item, request.Width, request.Height, request.Method, context.RequestAborted);
        await using var content = thumbnail?.Content ?? media.OpenContent(item);
        await WriteContentAsync(context, content, thumbnail?.ContentType ?? item.ContentType, thumbnail is null ? item.UploadName : null);
    }

    /// <summary>
    /// The origin of media on another server, or null for our own. <c>allow_remote=false</c>, an invalid server name
    /// or a media ID the spec's grammar forbids answer 404 M_NOT_FOUND without contacting anyone.
    /// </summary>
    private static ServerName? RemoteOrigin(string serverName, string mediaId, IQueryCollection query, MyelinConfig config)
    {
        if (serverName == config.ServerName.Value)
        {
            return null;
        }
        // spec: content-repo.yaml allow_remote "should not attempt to fetch the media if it is deemed remote".
        if (!MediaQuery.AllowRemote(query))
        {
            throw MatrixException.NotFound("Remote media is not fetched when allow_remote is false.");
        }
        // spec: content_repo.md — media IDs "MUST consist of only alphanumeric (A-Za-z0-9), _ and - characters".
        if (!ServerName.TryParse(serverName, out var origin) || mediaId.Length is 0 or > 255
            || !mediaId.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            throw MatrixException.NotFound("Media not found.");
        }
        return origin;
    }

    private static async Task WriteContentAsync(HttpContext context, Stream content, string? contentType, string? fileName)
    {
        WriteContentHeaders(context.Response, contentType, fileName);
        context.Response.ContentLength = content.Length;
        await content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    /// <summary>The headers of served media: type, disposition and the spec's recommended security headers.</summary>
    internal static void WriteContentHeaders(HttpResponse response, string? contentType, string? fileName)
    {
        string type = MediaHeaders.ContentTypeOrDefault(contentType);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = type;
        response.Headers.ContentDisposition = MediaHeaders.ContentDisposition(type, fileName);
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        // spec: content_repo.md (v1.4) "Cross-Origin-Resource-Policy: cross-origin".
        response.Headers["Cross-Origin-Resource-Policy"] = "cross-origin";
        response.Headers.XContentTypeOptions = "nosniff";
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
