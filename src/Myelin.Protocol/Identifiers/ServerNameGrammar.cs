namespace Myelin.Protocol.Identifiers;

/// <summary>spec: appendices "Server Name" grammar: hostname [ ":" port ].</summary>
internal static class ServerNameGrammar
{
    public const int MaxLength = 255;

    public static bool IsValid(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength)
        {
            return false;
        }
        string host = value;
        if (value[0] == '[')
        {
            int close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }
            host = value[..(close + 1)];
            string rest = value[(close + 1)..];
            if (rest.Length > 0 && (rest[0] != ':' || !IsPort(rest.AsSpan(1))))
            {
                return false;
            }
            return IsIpv6Literal(host.AsSpan(1, host.Length - 2));
        }
        int colon = value.LastIndexOf(':');
        if (colon >= 0)
        {
            if (!IsPort(value.AsSpan(colon + 1)))
            {
                return false;
            }
            host = value[..colon];
        }
        return IsDnsNameOrIpv4(host);
    }

    private static bool IsPort(ReadOnlySpan<char> port) =>
        port.Length is > 0 and <= 5 && port.IndexOfAnyExceptInRange('0', '9') < 0;

    private static bool IsIpv6Literal(ReadOnlySpan<char> s)
    {
        if (s.Length is < 2 or > 45)
        {
            return false;
        }
        foreach (char c in s)
        {
            if (!(char.IsAsciiHexDigit(c) || c == ':' || c == '.'))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsDnsNameOrIpv4(string host)
    {
        if (host.Length is 0 or > 255)
        {
            return false;
        }
        foreach (char c in host)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '.'))
            {
                return false;
            }
        }
        return true;
    }
}
