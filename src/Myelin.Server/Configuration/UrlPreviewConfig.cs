using System.Net;

namespace Myelin.Server.Configuration;

/// <summary>
/// URL previews (<c>GET /_matrix/client/v1/media/preview_url</c>), with Synapse's <c>url_preview_*</c> and
/// <c>max_spider_size</c> keys. Off by default: fetching arbitrary URLs on a user's behalf is a way into the
/// server's network, so the IP lists below are checked on every address actually connected to.
/// </summary>
public sealed record UrlPreviewConfig
{
    /// <summary><c>url_preview_enabled</c>: serve previews; when false the endpoint answers 404 M_UNRECOGNIZED.</summary>
    public bool Enabled { get; init; }

    /// <summary><c>url_preview_ip_range_blacklist</c>: addresses previews must never connect to.</summary>
    public IReadOnlyList<IPNetwork> IpRangeBlacklist { get; init; } = DefaultIpRangeBlacklist;

    /// <summary><c>url_preview_ip_range_whitelist</c>: exceptions to <see cref="IpRangeBlacklist"/>.</summary>
    public IReadOnlyList<IPNetwork> IpRangeWhitelist { get; init; } = [];

    /// <summary><c>url_preview_url_blacklist</c>: URLs never previewed (any rule matching blocks).</summary>
    public IReadOnlyList<UrlPreviewUrlRule> UrlBlacklist { get; init; } = [];

    /// <summary><c>max_spider_size</c>: the largest page or image a preview downloads.</summary>
    public long MaxSpiderSize { get; init; } = 10L * 1024 * 1024;

    /// <summary><c>url_preview_accept_language</c>: sent as <c>Accept-Language</c>, joined with ", ".</summary>
    public IReadOnlyList<string> AcceptLanguage { get; init; } = ["en"];

    /// <summary>
    /// Federation's default <c>ip_range_blacklist</c> (<see cref="MyelinConfig.DefaultIpRangeBlacklist"/>: private,
    /// loopback, link-local, CGNAT, documentation, multicast and ULA ranges) plus "this network" (0.0.0.0/8), the
    /// reserved 240.0.0.0/4 (and broadcast) and the unspecified IPv6 address.
    /// </summary>
    public static readonly IReadOnlyList<IPNetwork> DefaultIpRangeBlacklist =
    [
        .. MyelinConfig.DefaultIpRangeBlacklist,
        .. new[] { "0.0.0.0/8", "240.0.0.0/4", "::/128" }.Select(IPNetwork.Parse),
    ];
}
