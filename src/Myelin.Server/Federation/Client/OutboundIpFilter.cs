using System.Net;
using System.Net.Sockets;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Discovery;

namespace Myelin.Server.Federation.Client;

/// <summary>
/// Which addresses outbound federation may connect to: <c>ip_range_blacklist</c> blocks (by default private,
/// loopback and reserved ranges, so a remote server name cannot point us at the local network) unless
/// <c>ip_range_whitelist</c> allows. Used by every outbound client that a remote party can aim (federation, push
/// gateways), as the connect step of its <see cref="SocketsHttpHandler"/>, so the check applies after DNS.
/// </summary>
public sealed class OutboundIpFilter(MyelinConfig config)
{
    /// <summary>
    /// Resolves <paramref name="endPoint"/> (IP literals as they are) and connects to the first allowed address that
    /// answers. Fails when every address is blocked, so a name pointing at the local network is never reached.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, IFederationDns dns, CancellationToken cancellationToken)
    {
        IReadOnlyList<IPAddress> addresses = IPAddress.TryParse(endPoint.Host.Trim('[', ']'), out var literal)
            ? [literal]
            : await dns.ResolveAddressesAsync(endPoint.Host, cancellationToken);
        if (addresses.Count == 0)
        {
            throw new HttpRequestException($"{endPoint.Host} does not resolve to an address.");
        }
        var allowed = addresses.Where(IsAllowed).ToList();
        if (allowed.Count == 0)
        {
            throw new HttpRequestException($"{endPoint.Host} resolves only to addresses blocked by ip_range_blacklist.");
        }
        Exception? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
        }
        throw new HttpRequestException($"Cannot connect to {endPoint.Host}:{endPoint.Port}: {last?.Message}", last);
    }

    public bool IsAllowed(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (config.IpRangeWhitelist.Any(n => n.Contains(address)))
        {
            return true;
        }
        return !config.IpRangeBlacklist.Any(n => n.Contains(address));
    }
}
