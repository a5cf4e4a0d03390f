using System.Net;
using System.Net.Sockets;

namespace Myelin.Load.Client;

/// <summary>Builds the one HttpClient a run uses: HTTP/1.1, a large connection pool, no redirects.</summary>
public static class LoadHttpClient
{
    public static HttpClient Create(TargetUrl target, int maxConnections, TimeSpan requestTimeout)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            AllowAutoRedirect = false, // a redirect could lead off loopback
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            ConnectCallback = (context, cancellationToken) => ConnectAsync(context, target.AllowRemote, cancellationToken),
        };
        return new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = target.BaseUrl,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            // A slow answer (a big initial sync) is a measurement, not an error: one request may take the whole run.
            Timeout = requestTimeout,
        };
    }

    /// <summary>
    /// Resolves and connects, refusing non-loopback addresses unless remote targets are allowed: "localhost" could be
    /// mapped elsewhere in /etc/hosts, and the check must hold for the address actually dialled.
    /// </summary>
    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, bool allowRemote, CancellationToken cancellationToken)
    {
        IPAddress[] addresses = IPAddress.TryParse(context.DnsEndPoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
        if (!allowRemote)
        {
            addresses = Array.FindAll(addresses, TargetUrl.IsLoopback);
            if (addresses.Length == 0)
            {
                throw new HttpRequestException($"{context.DnsEndPoint.Host} does not resolve to a loopback address; pass --allow-remote to load a remote server.");
            }
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
