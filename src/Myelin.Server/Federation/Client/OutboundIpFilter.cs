using System.Net;
using Myelin.Server.Configuration;

namespace Myelin.Server.Federation.Client;

/// <summary>
/// Which addresses outbound federation may connect to: <c>ip_range_blacklist</c> blocks (by default private,
/// loopback and reserved ranges, so a remote server name cannot point us at the local network) unless
/// <c>ip_range_whitelist</c> allows.
/// </summary>
public sealed class OutboundIpFilter(MyelinConfig config)
{
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
