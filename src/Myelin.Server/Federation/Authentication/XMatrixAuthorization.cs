using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Myelin.Server.Federation.Authentication;

/// <summary>
/// The <c>Authorization: X-Matrix origin=…,destination=…,key=…,sig=…</c> header of a federation request.
/// spec: server-server "Request Authentication".
/// </summary>
/// <param name="Destination">Null when the sender omitted it (allowed for older servers).</param>
public sealed record XMatrixAuthorization(string Origin, string? Destination, string Key, string Signature)
{
    public const string Scheme = "X-Matrix";

    /// <summary>The header value the spec asks senders to write: one space, lower-case names, quoted values, no spaces.</summary>
    public string Format() =>
        $"{Scheme} origin=\"{Origin}\",destination=\"{Destination}\",key=\"{Key}\",sig=\"{Signature}\"";

    /// <summary>
    /// Parses leniently as the spec asks of recipients: case-insensitive scheme and names, any order, optional
    /// whitespace around commas, quoted values with backslash escapes or unquoted values (colons allowed),
    /// unknown parameters ignored. <c>origin</c>, <c>key</c> and <c>sig</c> are required.
    /// </summary>
    public static bool TryParse(string? header, [NotNullWhen(true)] out XMatrixAuthorization? authorization, [NotNullWhen(false)] out string? error)
    {
        authorization = null;
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
            || header.Length == Scheme.Length || header[Scheme.Length] != ' ')
        {
            error = "The Authorization header does not use the X-Matrix scheme.";
            return false;
        }
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int i = Scheme.Length;
        while (true)
        {
            i = SkipWhitespace(header, i);
            if (i >= header.Length)
            {
                break;
            }
            int equals = header.IndexOf('=', i);
            if (equals < 0)
            {
                error = "Malformed X-Matrix parameter: expected name=value.";
                return false;
            }
            string name = header[i..equals].Trim();
            if (name.Length == 0 || name.Any(c => c is ' ' or '\t' or ',' or '"'))
            {
                error = "Malformed X-Matrix parameter name.";
                return false;
            }
            i = SkipWhitespace(header, equals + 1);
            string value;
            if (i < header.Length && header[i] == '"')
            {
                var builder = new StringBuilder();
                i++;
                bool closed = false;
                while (i < header.Length)
                {
                    char c = header[i++];
                    if (c == '\\' && i < header.Length)
                    {
                        builder.Append(header[i++]);
                    }
                    else if (c == '"')
                    {
                        closed = true;
                        break;
                    }
                    else
                    {
                        builder.Append(c);
                    }
                }
                if (!closed)
                {
                    error = $"Unterminated quoted value for X-Matrix parameter '{name}'.";
                    return false;
                }
                value = builder.ToString();
            }
            else
            {
                int end = i;
                while (end < header.Length && header[end] is not (',' or ' ' or '\t'))
                {
                    end++;
                }
                value = header[i..end];
                i = end;
            }
            // The first occurrence wins; duplicates are ignored like unknown parameters.
            parameters.TryAdd(name, value);
            i = SkipWhitespace(header, i);
            if (i < header.Length)
            {
                if (header[i] != ',')
                {
                    error = "X-Matrix parameters must be separated by commas.";
                    return false;
                }
                i++;
            }
        }
        if (!parameters.TryGetValue("origin", out string? origin) || origin.Length == 0)
        {
            error = "The X-Matrix Authorization header has no origin.";
            return false;
        }
        if (!parameters.TryGetValue("key", out string? key) || key.Length == 0)
        {
            error = "The X-Matrix Authorization header has no key.";
            return false;
        }
        if (!parameters.TryGetValue("sig", out string? sig) || sig.Length == 0)
        {
            error = "The X-Matrix Authorization header has no sig.";
            return false;
        }
        authorization = new XMatrixAuthorization(origin, parameters.GetValueOrDefault("destination"), key, sig);
        error = null;
        return true;
    }

    private static int SkipWhitespace(string s, int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t')
        {
            i++;
        }
        return i;
    }
}
