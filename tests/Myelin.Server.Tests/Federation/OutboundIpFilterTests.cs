using System.Net;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Client;

namespace Myelin.Server.Tests.Federation;

public sealed class OutboundIpFilterTests
{
    private static readonly MyelinConfig Defaults = MyelinConfig.CreateDefault(ServerName.Parse("example.org"), Path.GetTempPath());

    [Fact]
    public void Unspecified_addresses_are_blocked_even_with_empty_lists()
    {
        var filter = new OutboundIpFilter(Defaults with { IpRangeBlacklist = [], IpRangeWhitelist = [IPNetwork.Parse("0.0.0.0/0")] });
        Assert.False(filter.IsAllowed(IPAddress.Any));
        Assert.False(filter.IsAllowed(IPAddress.IPv6Any));
        Assert.False(filter.IsAllowed(IPAddress.Parse("::ffff:0.0.0.0")));
        Assert.True(filter.IsAllowed(IPAddress.Loopback));
    }

    [Fact]
    public void Url_previews_use_their_own_lists_and_mapped_addresses_are_checked_as_IPv4()
    {
        var previews = new UrlPreviewConfig { IpRangeWhitelist = [IPNetwork.Parse("10.1.0.0/16")] };
        var filter = OutboundIpFilter.ForUrlPreviews(previews);
        Assert.False(filter.IsAllowed(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.False(filter.IsAllowed(IPAddress.Parse("::ffff:10.0.0.1")));
        Assert.True(filter.IsAllowed(IPAddress.Parse("::ffff:10.1.2.3")));
        Assert.False(filter.IsAllowed(IPAddress.Parse("240.1.2.3")));
        Assert.False(filter.IsAllowed(IPAddress.Parse("fd12::1")));
        Assert.True(filter.IsAllowed(IPAddress.Parse("93.184.215.14")));
        Assert.True(filter.IsAllowed(IPAddress.Parse("2606:4700::1")));
        // Federation's whitelist does not open previews.
        Assert.True(new OutboundIpFilter(Defaults with { IpRangeWhitelist = [IPNetwork.Parse("127.0.0.0/8")] }).IsAllowed(IPAddress.Loopback));
        Assert.False(filter.IsAllowed(IPAddress.Loopback));
    }
}
