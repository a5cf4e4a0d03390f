using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Myelin.Protocol.Identifiers;

/// <summary>
/// spec: appendices "Server Name": <c>server_name = hostname [ ":" port ]</c>, where hostname is an
/// IPv4 literal, a bracketed IPv6 literal or a DNS name.
/// </summary>
internal static class ServerNameGrammar
{
    /// <summary>dns-name = 1*255dns-char; with ":" and a five-digit port the whole name is at most 261.</summary>
    public const int MaxHostLength = 255;

    public static bool IsValid(string? value) => TrySplit(value, out _, out _);

    /// <summary>Splits a valid server name into its host (IPv6 with brackets) and port (-1 when absent).</summary>
    public static bool TrySplit(string? value, out ReadOnlySpan<char> host, out int port)
    {
        host = default;
        port = -1;
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }
        ReadOnlySpan<char> s = value;
        ReadOnlySpan<char> portPart = default;
        bool hasPort = false;
        if (s[0] == '[')
        {
            int close = s.IndexOf(']');
            if (close < 0)
            {
                return false;
            }
            host = s[..(close + 1)];
            ReadOnlySpan<char> rest = s[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    return false;
                }
                portPart = rest[1..];
                hasPort = true;
            }
            if (!IsIpv6Literal(host[1..^1]))
            {
                return false;
            }
        }
        else
        {
            int colon = s.IndexOf(':');
            if (colon >= 0)
            {
                host = s[..colon];
                portPart = s[(colon + 1)..];
                hasPort = true;
            }
            else
            {
                host = s;
            }
            if (!IsDnsNameOrIpv4(host))
            {
                return false;
            }
        }
        if (hasPort)
        {
            // port = 1*5DIGIT; a port above 65535 cannot be reached, so it is not a server name either.
            if (portPart.Length is 0 or > 5 || portPart.IndexOfAnyExceptInRange('0', '9') >= 0)
            {
                return false;
            }
            port = int.Parse(portPart, NumberStyles.None, CultureInfo.InvariantCulture);
            if (port > 65535)
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsIpv6Literal(ReadOnlySpan<char> s)
    {
        // IPv6address = 2*45IPv6char, and it must be an RFC 3513 address (no zone index).
        if (s.Length is < 2 or > 45)
        {
            return false;
        }
        foreach (char c in s)
        {
            if (!(char.IsAsciiHexDigit(c) || c is ':' or '.'))
            {
                return false;
            }
        }
        return IPAddress.TryParse(s, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6;
    }

    private static bool IsDnsNameOrIpv4(ReadOnlySpan<char> host)
    {
        if (host.Length is 0 or > MaxHostLength)
        {
            return false;
        }
        bool digitsAndDotsOnly = true;
        foreach (char c in host)
        {
            if (char.IsAsciiDigit(c) || c == '.')
            {
                continue;
            }
            if (!(char.IsAsciiLetter(c) || c == '-'))
            {
                return false;
            }
            digitsAndDotsOnly = false;
        }
        // A dotted quad is an IPv4 literal: four numbers 0–255 (spec: "IPv4 literals must be ...").
        if (digitsAndDotsOnly && host.Count('.') == 3)
        {
            return IsIpv4(host);
        }
        return true;
    }

    private static bool IsIpv4(ReadOnlySpan<char> host)
    {
        foreach (Range part in host.Split('.'))
        {
            ReadOnlySpan<char> octet = host[part];
            if (octet.Length is 0 or > 3 || int.Parse(octet, NumberStyles.None, CultureInfo.InvariantCulture) > 255)
            {
                return false;
            }
        }
        return true;
    }
}
