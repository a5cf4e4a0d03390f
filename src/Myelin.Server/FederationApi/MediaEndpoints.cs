using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.ClientApi.Media;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Authentication;
using Myelin.Server.Media;

namespace Myelin.Server.FederationApi;

/// <summary>
/// <c>GET /_matrix/federation/v1/media/download/{mediaId}</c> and <c>/thumbnail/{mediaId}</c>: our media for other
/// servers, as <c>multipart/mixed</c> (an empty JSON metadata part, then the bytes). Only local media is served.
/// spec: server-server "Content Repository"; content_repository.yaml.
/// </summary>
public static class MediaEndpoints
{
    public static RouteGroupBuilder MapFederationMediaApi(this RouteGroupBuilder federation)
    {
        federation.MapGet("/v1/media/download/{mediaId}", DownloadAsync).WithName("FederationMediaDownload");
        federation.MapGet("/v1/media/thumbnail/{mediaId}", ThumbnailAsync).WithName("FederationMediaThumbnail");
        return federation;
    }

    private static async Task DownloadAsync(string mediaId, FederationOrigin origin, HttpContext context, MediaService media, MyelinConfig config)
    {
        _ = origin;
        var timeout = MediaQuery.Timeout(context.Request.Query);
        var item = await media.GetForDownloadAsync(config.ServerName.Value, mediaId, timeout, context.RequestAborted);
        await using var content = media.OpenContent(item);
        await WriteMultipartAsync(context, content, item.ContentType, item.UploadName);
    }

    private static async Task ThumbnailAsync(string mediaId, FederationOrigin origin, HttpContext context, MediaService media, MyelinConfig config)
    {
        _ = origin;
        var request = MediaQuery.Thumbnail(context.Request.Query);
        var item = await media.GetForDownloadAsync(config.ServerName.Value, mediaId, request.Timeout, context.RequestAborted);
        var thumbnail = await media.GetThumbnailAsync(item, request.Width, request.Height, request.Method, context.RequestAborted);
        await using var content = thumbnail?.Content ?? media.OpenContent(item);
        await WriteMultipartAsync(context, content, thumbnail?.ContentType ?? item.ContentType, thumbnail is null ? item.UploadName : null);
    }

    // spec: content_repository.yaml — "exactly two parts": application/json metadata ("currently ... an empty object"),
    // then the bytes "using Content-Type and Content-Disposition headers as appropriate".
    private static async Task WriteMultipartAsync(HttpContext context, Stream content, string? contentType, string? fileName)
    {
        string boundary = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        string type = MediaHeaders.ContentTypeOrDefault(contentType);
        if (type.Any(c => c is '\r' or '\n'))
        {
            type = "application/octet-stream";
        }
        byte[] head = Encoding.UTF8.GetBytes(
            $"--{boundary}\r\nContent-Type: application/json\r\n\r\n{{}}\r\n" +
            $"--{boundary}\r\nContent-Type: {type}\r\nContent-Disposition: {MediaHeaders.ContentDisposition(type, fileName)}\r\n\r\n");
        byte[] tail = Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = $"multipart/mixed; boundary={boundary}";
        response.ContentLength = head.Length + content.Length + tail.Length;
        await response.Body.WriteAsync(head, context.RequestAborted);
        await content.CopyToAsync(response.Body, context.RequestAborted);
        await response.Body.WriteAsync(tail, context.RequestAborted);
    }
}
