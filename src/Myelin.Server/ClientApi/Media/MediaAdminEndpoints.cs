using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.Http;
using Myelin.Server.Media;

namespace Myelin.Server.ClientApi.Media;

/// <summary>Synapse's admin API for one media item: quarantine and delete. Server admins only.</summary>
public static class MediaAdminEndpoints
{
    private const string Prefix = "/_synapse/admin/v1/media";

    public static IEndpointRouteBuilder MapMediaAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(Prefix + "/quarantine/{serverName}/{mediaId}", QuarantineAsync);
        app.MapPost(Prefix + "/unquarantine/{serverName}/{mediaId}", UnquarantineAsync);
        app.MapDelete(Prefix + "/{serverName}/{mediaId}", DeleteAsync);
        return app;
    }

    private static async Task<IResult> QuarantineAsync(string serverName, string mediaId, HttpContext context, Requester requester, MediaService media)
    {
        RequireAdmin(requester);
        if (!await media.QuarantineAsync(serverName, mediaId, true, context.RequestAborted))
        {
            throw MatrixException.NotFound("Unknown local media.");
        }
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> UnquarantineAsync(string serverName, string mediaId, HttpContext context, Requester requester, MediaService media)
    {
        RequireAdmin(requester);
        if (!await media.QuarantineAsync(serverName, mediaId, false, context.RequestAborted))
        {
            throw MatrixException.NotFound("Unknown local media.");
        }
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> DeleteAsync(string serverName, string mediaId, HttpContext context, Requester requester, MediaService media)
    {
        RequireAdmin(requester);
        if (!await media.DeleteAsync(serverName, mediaId, context.RequestAborted))
        {
            throw MatrixException.NotFound("Unknown local media.");
        }
        // Synapse's response shape for DELETE /_synapse/admin/v1/media/{server}/{id}.
        return MatrixResults.Json(new JsonObject { ["deleted_media"] = new JsonArray(mediaId), ["total"] = 1 });
    }

    private static void RequireAdmin(Requester requester)
    {
        if (!requester.IsAdmin)
        {
            throw MatrixException.Forbidden("You are not a server admin.");
        }
    }
}
