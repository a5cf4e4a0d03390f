using System.Text;
using System.Text.RegularExpressions;

namespace Myelin.Server.Configuration;

/// <summary>
/// One <c>url_preview_url_blacklist</c> entry, as Synapse's: a mapping of URL parts to patterns, blocking a URL when
/// every part matches. A pattern starting with <c>^</c> is a regular expression, anything else a glob (<c>*</c>,
/// <c>?</c>, <c>[...]</c>) matched against the whole part, case-insensitively (host names are case-insensitive).
/// </summary>
public sealed class UrlPreviewUrlRule
{
    /// <summary>The URL parts a rule may constrain (Synapse's <c>urlsplit</c> attribute names).</summary>
    public static readonly IReadOnlySet<string> Parts =
        new HashSet<string>(["scheme", "netloc", "hostname", "port", "path", "query", "fragment", "username", "password"], StringComparer.Ordinal);

    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    private readonly IReadOnlyList<(string Part, Regex Pattern)> _patterns;

    private UrlPreviewUrlRule(IReadOnlyList<(string Part, Regex Pattern)> patterns, IReadOnlyDictionary<string, string> source)
    {
        _patterns = patterns;
        Source = source;
    }

    /// <summary>The patterns as written, by URL part.</summary>
    public IReadOnlyDictionary<string, string> Source { get; }

    /// <summary>Builds a rule, or returns an error message (unknown part, invalid regular expression, empty rule).</summary>
    public static UrlPreviewUrlRule? TryCreate(IReadOnlyDictionary<string, string> patterns, out string? error)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        error = null;
        if (patterns.Count == 0)
        {
            error = "an entry needs at least one URL part, e.g. {netloc: '*.example.com'}";
            return null;
        }
        var compiled = new List<(string, Regex)>();
        foreach (var (part, pattern) in patterns)
        {
            if (!Parts.Contains(part))
            {
                error = $"'{part}' is not a URL part; use one of {string.Join(", ", Parts)}";
                return null;
            }
            try
            {
                string regex = pattern.StartsWith('^') ? pattern : GlobToRegex(pattern);
                compiled.Add((part, new Regex(regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, MatchTimeout)));
            }
            catch (ArgumentException e)
            {
                error = $"'{pattern}' is not a valid regular expression for {part}: {e.Message}";
                return null;
            }
        }
        return new UrlPreviewUrlRule(compiled, patterns);
    }

    /// <summary>Whether every part this rule names matches <paramref name="url"/>. A pattern that times out counts as a match (fail closed).</summary>
    public bool Matches(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        foreach (var (part, pattern) in _patterns)
        {
            try
            {
                if (!pattern.IsMatch(PartOf(url, part)))
                {
                    return false;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // Blocking is the safe answer when a rule cannot decide.
            }
        }
        return true;
    }

    /// <summary>The value of a URL part, as Python's <c>urlsplit</c> gives it (no <c>?</c> or <c>#</c> delimiters).</summary>
    public static string PartOf(Uri url, string part)
    {
        ArgumentNullException.ThrowIfNull(url);
        string userInfo = url.UserInfo;
        int colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        return part switch
        {
            "scheme" => url.Scheme,
            "netloc" => (userInfo.Length > 0 ? userInfo + "@" : "") + url.Authority,
            "hostname" => url.Host.Trim('[', ']'),
            "port" => url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "path" => url.AbsolutePath,
            "query" => url.Query.TrimStart('?'),
            "fragment" => url.Fragment.TrimStart('#'),
            "username" => colon < 0 ? userInfo : userInfo[..colon],
            "password" => colon < 0 ? "" : userInfo[(colon + 1)..],
            _ => throw new ArgumentOutOfRangeException(nameof(part), part, "Unknown URL part."),
        };
    }

    /// <summary>A glob (<c>*</c> any run, <c>?</c> one character, <c>[...]</c> a class, <c>[!...]</c> its negation) as an anchored regex.</summary>
    private static string GlobToRegex(string glob)
    {
        var regex = new StringBuilder("^");
        for (int i = 0; i < glob.Length; i++)
        {
            char c = glob[i];
            switch (c)
            {
                case '*':
                    regex.Append(".*");
                    break;
                case '?':
                    regex.Append('.');
                    break;
                case '[':
                    int end = glob.IndexOf(']', i + 2 <= glob.Length ? i + 2 : glob.Length);
                    if (end < 0)
                    {
                        regex.Append(@"\[");
                        break;
                    }
                    string set = glob[(i + 1)..end];
                    regex.Append('[').Append(set.StartsWith('!') ? "^" + Regex.Escape(set[1..]) : Regex.Escape(set)).Append(']');
                    i = end;
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return regex.Append('$').ToString();
    }
}
