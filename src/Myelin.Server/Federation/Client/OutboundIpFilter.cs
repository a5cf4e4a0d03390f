using System.Net;
using System.Net.Sockets;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Discovery;

namespace Myelin.Server.Federation.Client;

/// <summary>
/// Which addresses an outbound client may connect to: a blacklist blocks (by default private, loopback and reserved
/// ranges, so a name chosen by a remote party cannot point us at the local network) unless a whitelist allows.
/// Federation and push gateways use <c>ip_range_blacklist</c> / <c>ip_range_whitelist</c>; URL previews their own
/// <c>url_preview_ip_range_*</c> pair (<see cref="ForUrlPreviews"/>). Used as the connect step of a
/// <see cref="SocketsHttpHandler"/>, so the check applies to the address actually connected to, after DNS.
/// </summary>
public sealed class OutboundIpFilter
{
    private readonly IReadOnlyList<IPNetwork> _blacklist;
    private readonly IReadOnlyList<IPNetwork> _whitelist;
    private readonly string _blacklistKey;

    /// <summary>The federation and push filter: <c>ip_range_blacklist</c> / <c>ip_range_whitelist</c>.</summary>
    public OutboundIpFilter(MyelinConfig config)
        : this(config.IpRangeBlacklist, config.IpRangeWhitelist, "ip_range_blacklist")
    {
    }

    private OutboundIpFilter(IReadOnlyList<IPNetwork> blacklist, IReadOnlyList<IPNetwork> whitelist, string blacklistKey)
    {
        _blacklist = blacklist;
        _whitelist = whitelist;
        _blacklistKey = blacklistKey;
    }

    /// <summary>The URL preview filter: <c>url_preview_ip_range_blacklist</c> / <c>url_preview_ip_range_whitelist</c>.</summary>
    public static OutboundIpFilter ForUrlPreviews(UrlPreviewConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new OutboundIpFilter(config.IpRangeBlacklist, config.IpRangeWhitelist, "url_preview_ip_range_blacklist");
    }

    /// <summary>
    /// Resolves <paramref name="endPoint"/> (IP literals as they are) and connects to the first allowed address that
    /// answers. Fails with <see cref="OutboundAddressBlockedException"/> when every address is blocked, so a name
    /// pointing at the local network is never reached.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, IFederationDns dns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(dns);
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
            throw new OutboundAddressBlockedException($"{endPoint.Host} resolves only to addresses blocked by {_blacklistKey}.");
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
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        // The unspecified addresses reach this host on most systems; as Synapse, they are blocked whatever the lists say.
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return false;
        }
        if (_whitelist.Any(n => n.Contains(address)))
        {
            return true;
        }
        return !_blacklist.Any(n => n.Contains(address));
    }
}

/// <summary>A connection refused because every address of the host is blocked by an IP range blacklist.</summary>
public sealed class OutboundAddressBlockedException(string message) : HttpRequestException(message);
