using System.Net;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Configuration;

/// <summary>
/// The whole server configuration, read from the YAML file by <see cref="ConfigLoader"/> (Synapse's key names
/// where the concept is the same; see docs/configuration.md). Paths are absolute once loaded.
/// </summary>
public sealed record MyelinConfig
{
    /// <summary>The part after the colon in this server's user IDs. Cannot change once users exist.</summary>
    public required ServerName ServerName { get; init; }

    /// <summary>The URL clients use to reach this server; advertised in <c>/.well-known/matrix/client</c>.</summary>
    public required Uri PublicBaseUrl { get; init; }

    /// <summary>Answer <c>/.well-known/matrix/server</c> pointing federation at port 443 of <see cref="PublicBaseUrl"/>.</summary>
    public bool ServeServerWellKnown { get; init; }

    public IReadOnlyList<ListenerConfig> Listeners { get; init; } = [new ListenerConfig()];

    public required DatabaseConfig Database { get; init; }

    /// <summary>The Ed25519 signing key file (Synapse format), created on first start if missing.</summary>
    public required string SigningKeyPath { get; init; }

    public string? TlsCertificatePath { get; init; }
    public string? TlsPrivateKeyPath { get; init; }

    public bool EnableRegistration { get; init; }
    public bool RegistrationRequiresToken { get; init; }
    public string? RegistrationSharedSecret { get; init; }
    public bool AllowGuestAccess { get; init; }

    public RateLimitingConfig RateLimiting { get; init; } = new();

    /// <summary>Who to contact about this server (<c>/.well-known/matrix/support</c>); null answers 404.</summary>
    public SupportConfig? Support { get; init; }

    /// <summary>TURN servers for VoIP (<c>turn_*</c> keys); the default has none.</summary>
    public TurnConfig Turn { get; init; } = new();

    /// <summary>Delivery to push gateways and the notification history (<c>push:</c>).</summary>
    public PushConfig Push { get; init; } = new();

    /// <summary>Federation tunables (<c>key_refresh_interval</c> and the <c>federation:</c> section).</summary>
    public Federation.FederationOptions Federation { get; init; } = new();

    /// <summary>Largest media upload in bytes.</summary>
    public long MaxUploadSize { get; init; } = 50L * 1024 * 1024;

    /// <summary>Largest request body in bytes for every endpoint except media upload.</summary>
    public long MaxRequestBodySize { get; init; } = 10L * 1024 * 1024;

    public required string MediaStorePath { get; init; }

    /// <summary>URL previews (<c>url_preview_*</c>, <c>max_spider_size</c>); off by default.</summary>
    public UrlPreviewConfig UrlPreview { get; init; } = new();

    /// <summary>Serve the deprecated unauthenticated <c>/_matrix/media/v3/download|thumbnail</c> endpoints (spec: "freeze").</summary>
    public bool LegacyMediaEnabled { get; init; } = true;

    /// <summary>Largest total size of other servers' media (originals and thumbnails) kept in the cache.</summary>
    public long RemoteMediaCacheMaxBytes { get; init; } = 1024L * 1024 * 1024;

    /// <summary>Cached remote media not accessed for this long is dropped (refetched on the next request).</summary>
    public TimeSpan RemoteMediaCacheTtl { get; init; } = TimeSpan.FromDays(30);

    public IReadOnlyList<string> AppServiceConfigFiles { get; init; } = [];

    public IReadOnlyList<TrustedKeyServer> TrustedKeyServers { get; init; } = [new("matrix.org", new Dictionary<string, string>())];

    /// <summary>PEM files of extra certificate authorities trusted for outbound federation TLS.</summary>
    public IReadOnlyList<string> FederationCustomCaList { get; init; } = [];

    /// <summary>Address ranges outbound requests (federation, URL previews, push) must never reach.</summary>
    public IReadOnlyList<IPNetwork> IpRangeBlacklist { get; init; } = DefaultIpRangeBlacklist;

    /// <summary>Exceptions to <see cref="IpRangeBlacklist"/>.</summary>
    public IReadOnlyList<IPNetwork> IpRangeWhitelist { get; init; } = [];

    /// <summary>If set, federate only with these servers; <c>null</c> federates with everyone.</summary>
    public IReadOnlyList<string>? FederationDomainWhitelist { get; init; }

    public bool PresenceEnabled { get; init; } = true;

    public LogLevel LogLevel { get; init; } = LogLevel.Information;
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary>Accepted for Synapse compatibility; Myelin never sends usage statistics anywhere.</summary>
    public bool ReportStats { get; init; }

    /// <summary>How long a stopping server waits for in-flight requests and background writes.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The file this configuration was read from, or <c>null</c> when built in code.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>Synapse's default <c>ip_range_blacklist</c>: private, loopback, link-local and reserved ranges.</summary>
    public static readonly IReadOnlyList<IPNetwork> DefaultIpRangeBlacklist =
    [
        .. new[]
        {
            "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "192.0.0.0/24",
            "169.254.0.0/16", "192.88.99.0/24", "198.18.0.0/15", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
            "224.0.0.0/4", "::1/128", "fe80::/10", "fc00::/7", "2001:db8::/32", "ff00::/8", "fec0::/10",
        }.Select(IPNetwork.Parse),
    ];

    /// <summary>
    /// The defaults for a server named <paramref name="serverName"/> keeping its data in <paramref name="dataDirectory"/>,
    /// listening on http://127.0.0.1:8008 with SQLite — what a freshly generated config file says.
    /// </summary>
    public static MyelinConfig CreateDefault(ServerName serverName, string dataDirectory)
    {
        string data = Path.GetFullPath(dataDirectory);
        return new MyelinConfig
        {
            ServerName = serverName,
            PublicBaseUrl = new Uri("http://localhost:8008/"),
            Listeners = [ListenerConfig.Http(IPAddress.Loopback, 8008)],
            Database = DatabaseConfig.Sqlite(Path.Combine(data, "homeserver.db")),
            SigningKeyPath = Path.Combine(data, "homeserver.signing.key"),
            MediaStorePath = Path.Combine(data, "media_store"),
        };
    }
}
