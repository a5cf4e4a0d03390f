using System.Net;
using System.Net.Sockets;

namespace Myelin.Load.Client;

/// <summary>
/// The homeserver a run talks to, checked for safety: a load generator pointed at someone else's server is an attack,
/// so only loopback targets are allowed unless the operator opts in with <c>--allow-remote</c> and an explicit URL.
/// </summary>
public sealed class TargetUrl
{
    private TargetUrl(Uri baseUrl, bool allowRemote)
    {
        BaseUrl = baseUrl;
        AllowRemote = allowRemote;
    }

    /// <summary>The base URL, always ending with a slash so relative API paths append to it.</summary>
    public Uri BaseUrl { get; }

    public bool AllowRemote { get; }

    /// <summary>Validates <paramref name="url"/>; returns null and an error message when it may not be used.</summary>
    public static TargetUrl? TryCreate(string url, bool allowRemote, bool urlGivenExplicitly, out string? error)
    {
        error = null;
        if (allowRemote && !urlGivenExplicitly)
        {
            error = "--allow-remote needs an explicit --url naming the server to load.";
            return null;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error = $"--url must be an absolute http:// or https:// URL, got '{url}'.";
            return null;
        }
        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            error = $"--url must be a plain base URL without user info, query or fragment, got '{url}'.";
            return null;
        }
        if (!allowRemote && !IsLoopbackHost(uri))
        {
            error = $"--url '{url}' is not a loopback address (127.0.0.0/8, ::1, localhost); pass --allow-remote to load a remote server you operate.";
            return null;
        }
        string text = uri.GetLeftPart(UriPartial.Path);
        return new TargetUrl(new Uri(text.EndsWith('/') ? text : text + "/"), allowRemote);
    }

    /// <summary>True for <c>localhost</c> and literal loopback addresses (127.0.0.0/8, ::1, and IPv4-mapped 127/8).</summary>
    public static bool IsLoopbackHost(Uri uri)
    {
        if (uri.HostNameType == UriHostNameType.Dns)
        {
            return string.Equals(uri.IdnHost, "localhost", StringComparison.OrdinalIgnoreCase);
        }
        return IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address) && IsLoopback(address);
    }

    public static bool IsLoopback(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => address.GetAddressBytes()[0] == 127,
            AddressFamily.InterNetworkV6 => address.Equals(IPAddress.IPv6Loopback),
            _ => false,
        };
    }
}
