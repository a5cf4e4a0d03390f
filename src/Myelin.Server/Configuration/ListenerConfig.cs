using System.Net;

namespace Myelin.Server.Configuration;

/// <summary>
/// One socket the server listens on (Synapse's <c>listeners</c> entry). <see cref="Resources"/> decides which
/// APIs this listener serves; <c>/health</c> is served on every listener.
/// </summary>
public sealed record ListenerConfig
{
    public int Port { get; init; } = 8008;
    public IReadOnlyList<IPAddress> BindAddresses { get; init; } = [IPAddress.Loopback];

    /// <summary><c>http</c> (the APIs in <see cref="Resources"/>) or <c>metrics</c> (only <c>/metrics</c>).</summary>
    public string Type { get; init; } = "http";
    public bool Tls { get; init; }

    /// <summary>Trust <c>X-Forwarded-For</c> from a reverse proxy in front of this listener.</summary>
    public bool XForwarded { get; init; }

    public IReadOnlySet<string> Resources { get; init; } = new HashSet<string>(StringComparer.Ordinal) { ListenerResources.Client, ListenerResources.Federation };

    /// <summary>A plain-HTTP listener serving the client, federation and metrics APIs.</summary>
    public static ListenerConfig Http(IPAddress address, int port) => new()
    {
        Port = port,
        BindAddresses = [address],
        Resources = new HashSet<string>(StringComparer.Ordinal) { ListenerResources.Client, ListenerResources.Federation, ListenerResources.Metrics },
    };

    public bool Serves(string resource) =>
        Type == "metrics" ? resource == ListenerResources.Metrics : Resources.Contains(resource);
}
