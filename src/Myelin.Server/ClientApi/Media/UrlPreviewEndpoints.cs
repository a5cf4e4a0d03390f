using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.Http;
using Myelin.Server.Media.Previews;

namespace Myelin.Server.ClientApi.Media;

/// <summary>
/// <c>GET /_matrix/client/v1/media/preview_url</c> and its deprecated twin <c>/_matrix/media/v3/preview_url</c>.
/// spec: authed-content-repo.yaml / content-repo.yaml. Both need an access token, so the legacy one is not part
/// of the unauthenticated-media freeze (<c>legacy_media_enabled</c>), like legacy <c>/upload</c> and <c>/config</c>.
/// </summary>
public static class UrlPreviewEndpoints
{
    public static IEndpointRouteBuilder MapUrlPreviewApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_matrix/client/v1/media/preview_url", PreviewAsync);
        app.MapGet("/_matrix/media/v3/preview_url", PreviewAsync);
        return app;
    }

    private static async Task<IResult> PreviewAsync(HttpContext context, Requester requester, UrlPreviewer previewer, RateLimiter rateLimiter)
    {
        if (!previewer.Enabled)
        {
            // Synapse answers the same way when url_preview_enabled is false.
            throw MatrixException.UnrecognizedEndpoint("URL previews are disabled on this server.");
        }
        var query = context.Request.Query;
        if (query["url"].Count == 0 || string.IsNullOrEmpty(query["url"][0]))
        {
            throw MatrixException.MissingParam("'url' is required.");
        }
        var url = UrlPreviewer.ParseUrl(query["url"][0]!);
        // spec: ts is "the preferred point in time"; the server "may return a newer version", as we always do.
        if (query["ts"].Count > 0 && !long.TryParse(query["ts"][0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            throw MatrixException.InvalidParam("'ts' must be an integer (milliseconds since the epoch).");
        }
        // A preview may store media on the user's behalf, so it shares the media upload budget.
        rateLimiter.Acquire(RateLimitAction.MediaCreate, RateLimiter.KeyFor(requester.UserId));
        return MatrixResults.Json(await previewer.PreviewAsync(requester.UserId, url, context.RequestAborted));
    }
}
