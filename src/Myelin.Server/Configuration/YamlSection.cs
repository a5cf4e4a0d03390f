using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Myelin.Server.Configuration;

/// <summary>
/// One YAML mapping of the config file, read key by key. Every accessor records the key as known and reports
/// bad values to the shared <see cref="YamlConfigProblems"/> with the key's full path; keys nobody asked for
/// become warnings.
/// </summary>
internal sealed class YamlSection
{
    private readonly YamlMappingNode _node;
    private readonly YamlConfigProblems _problems;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public YamlSection(YamlMappingNode node, string path, YamlConfigProblems problems)
    {
        _node = node;
        Path = path;
        _problems = problems;
        problems.Sections.Add(this);
    }

    public string Path { get; }

    public bool Has(string key) => Get(key) is not null;

    public string? String(string key)
    {
        var node = Get(key);
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode scalar:
                return scalar.Value;
            default:
                Error(key, "expected a text value");
                return null;
        }
    }

    public string StringOr(string key, string fallback) => String(key) ?? fallback;

    public bool Bool(string key, bool fallback)
    {
        string? text = String(key);
        switch (text?.ToLowerInvariant())
        {
            case null:
                return fallback;
            case "true" or "yes" or "on":
                return true;
            case "false" or "no" or "off":
                return false;
            default:
                Error(key, $"expected true or false, got '{text}'");
                return fallback;
        }
    }

    public int Int(string key, int fallback, int min, int max)
    {
        string? text = String(key);
        if (text is null)
        {
            return fallback;
        }
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            Error(key, $"expected a whole number from {min} to {max}, got '{text}'");
            return fallback;
        }
        return value;
    }

    public double PositiveNumber(string key, double fallback)
    {
        string? text = String(key);
        if (text is null)
        {
            return fallback;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0) || double.IsInfinity(value))
        {
            Error(key, $"expected a number greater than 0, got '{text}'");
            return fallback;
        }
        return value;
    }

    /// <summary>A byte size in Synapse's notation: <c>1048576</c>, <c>512K</c>, <c>50M</c>, <c>1G</c> (powers of 1024).</summary>
    public long Size(string key, long fallback)
    {
        string? text = String(key);
        if (text is null)
        {
            return fallback;
        }
        if (!TryParseSize(text, out long value))
        {
            Error(key, $"expected a size such as 1048576, 512K, 50M or 1G, got '{text}'");
            return fallback;
        }
        return value;
    }

    /// <summary>A duration in Synapse's notation: a number of milliseconds, or <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>2d</c>.</summary>
    public TimeSpan Duration(string key, TimeSpan fallback)
    {
        string? text = String(key);
        if (text is null)
        {
            return fallback;
        }
        if (!TryParseDuration(text, out var value))
        {
            Error(key, $"expected a duration such as 30s, 5m or 1h (or milliseconds), got '{text}'");
            return fallback;
        }
        return value;
    }

    public YamlSection? Section(string key)
    {
        var node = Get(key);
        switch (node)
        {
            case null:
                return null;
            case YamlMappingNode map:
                return new YamlSection(map, Child(key), _problems);
            default:
                Error(key, "expected a mapping of keys to values");
                return null;
        }
    }

    public IReadOnlyList<string>? StringList(string key)
    {
        var node = Get(key);
        switch (node)
        {
            case null:
                return null;
            case YamlSequenceNode sequence:
                var items = new List<string>();
                int i = 0;
                foreach (var item in sequence)
                {
                    if (item is YamlScalarNode { Value: { } value })
                    {
                        items.Add(value);
                    }
                    else
                    {
                        _problems.Errors.Add($"{Child(key)}[{i}]: expected a text value");
                    }
                    i++;
                }
                return items;
            default:
                Error(key, "expected a list");
                return null;
        }
    }

    public IReadOnlyList<YamlSection>? SectionList(string key)
    {
        var node = Get(key);
        switch (node)
        {
            case null:
                return null;
            case YamlSequenceNode sequence:
                var items = new List<YamlSection>();
                int i = 0;
                foreach (var item in sequence)
                {
                    if (item is YamlMappingNode map)
                    {
                        items.Add(new YamlSection(map, $"{Child(key)}[{i}]", _problems));
                    }
                    else
                    {
                        _problems.Errors.Add($"{Child(key)}[{i}]: expected a mapping of keys to values");
                    }
                    i++;
                }
                return items;
            default:
                Error(key, "expected a list");
                return null;
        }
    }

    /// <summary>All key/value pairs of a mapping of text to text, e.g. <c>verify_keys</c>.</summary>
    public IReadOnlyDictionary<string, string> StringMap()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in _node.Children)
        {
            if (keyNode is YamlScalarNode { Value: { } key })
            {
                _read.Add(key);
                if (valueNode is YamlScalarNode { Value: { } value })
                {
                    result[key] = value;
                }
                else
                {
                    Error(key, "expected a text value");
                }
            }
        }
        return result;
    }

    public void Error(string key, string message) => _problems.Errors.Add($"{Child(key)}: {message}");

    public void Warn(string key, string message) => _problems.Warnings.Add($"{Child(key)}: {message}");

    /// <summary>Warns about every key of this mapping that no accessor asked for.</summary>
    public void WarnUnknownKeys()
    {
        foreach (var keyNode in _node.Children.Keys)
        {
            string key = keyNode is YamlScalarNode { Value: { } k } ? k : keyNode.ToString();
            if (!_read.Contains(key))
            {
                _problems.Warnings.Add($"{Child(key)}: unknown configuration key, ignored");
            }
        }
    }

    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        text = text.Trim();
        if (text.Length == 0)
        {
            return false;
        }
        long multiplier = char.ToUpperInvariant(text[^1]) switch
        {
            'K' => 1024L,
            'M' => 1024L * 1024,
            'G' => 1024L * 1024 * 1024,
            'T' => 1024L * 1024 * 1024 * 1024,
            _ => 1,
        };
        string digits = multiplier == 1 ? text : text[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long number) || number > long.MaxValue / multiplier)
        {
            return false;
        }
        bytes = number * multiplier;
        return true;
    }

    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        if (text.Length == 0)
        {
            return false;
        }
        // Synapse's units: ms, s, m, h, d, w, y; a bare number is milliseconds.
        if (text.EndsWith("ms", StringComparison.OrdinalIgnoreCase))
        {
            bool ok = long.TryParse(text[..^2], NumberStyles.None, CultureInfo.InvariantCulture, out long ms);
            duration = ok ? TimeSpan.FromMilliseconds(ms) : default;
            return ok;
        }
        double unitMs = char.ToLowerInvariant(text[^1]) switch
        {
            's' => 1000,
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            'w' => 604_800_000,
            'y' => 31_536_000_000,
            _ => 0,
        };
        string digits = unitMs == 0 ? text : text[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long number))
        {
            return false;
        }
        duration = TimeSpan.FromMilliseconds(number * (unitMs == 0 ? 1 : unitMs));
        return true;
    }

    private YamlNode? Get(string key)
    {
        _read.Add(key);
        if (!_node.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            return null;
        }
        // A key with no value (`key:` or `key: null`) means "use the default".
        return node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" } ? null : node;
    }

    private string Child(string key) => Path.Length == 0 ? key : $"{Path}.{key}";
}
