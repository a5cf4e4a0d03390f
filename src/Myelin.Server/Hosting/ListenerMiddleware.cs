using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Myelin.Server.Configuration;
using Myelin.Server.Http;

namespace Myelin.Server.Hosting;

/// <summary>
/// Applies the per-listener settings to each request: only the APIs in the listener's <c>resources</c> are
/// served (others answer 404 <c>M_UNRECOGNIZED</c>), and with <c>x_forwarded</c> the client address is taken
/// from the reverse proxy's <c>X-Forwarded-For</c>.
/// </summary>
internal sealed class ListenerMiddleware(RequestDelegate next)
{
    /// <summary>The key under which each Kestrel connection carries its <see cref="ListenerConfig"/>.</summary>
    public static readonly object ListenerKey = new();

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ListenerKey, out var item) == true
            && item is ListenerConfig listener)
        {
            if (!IsServed(listener, context.Request.Path))
            {
                throw MatrixException.UnrecognizedEndpoint();
            }
            if (listener.XForwarded)
            {
                ApplyForwardedFor(context);
            }
        }
        return next(context);
    }

    private static bool IsServed(ListenerConfig listener, PathString path)
    {
        if (path.StartsWithSegments("/health"))
        {
            return true;
        }
        if (path.StartsWithSegments("/metrics"))
        {
            return listener.Serves(ListenerResources.Metrics);
        }
        if (listener.Type == "metrics")
        {
            return false;
        }
        if (path.StartsWithSegments("/_matrix/client") || path.StartsWithSegments("/.well-known/matrix") || path.StartsWithSegments("/_synapse"))
        {
            return listener.Serves(ListenerResources.Client);
        }
        if (path.StartsWithSegments("/_matrix/federation"))
        {
            return listener.Serves(ListenerResources.Federation);
        }
        if (path.StartsWithSegments("/_matrix/key"))
        {
            return listener.Serves(ListenerResources.Federation) || listener.Serves(ListenerResources.Keys);
        }
        if (path.StartsWithSegments("/_matrix/media"))
        {
            return listener.Serves(ListenerResources.Media) || listener.Serves(ListenerResources.Client) || listener.Serves(ListenerResources.Federation);
        }
        return true;
    }

    private static void ApplyForwardedFor(HttpContext context)
    {
        // The proxy appends the address it saw; the rightmost entry is the only one it vouches for.
        string? header = context.Request.Headers["X-Forwarded-For"];
        if (string.IsNullOrEmpty(header))
        {
            return;
        }
        string last = header[(header.LastIndexOf(',') + 1)..].Trim();
        if (IPAddress.TryParse(last, out var address))
        {
            context.Connection.RemoteIpAddress = address;
        }
    }
}
