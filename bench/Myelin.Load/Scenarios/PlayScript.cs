using System.Reflection;
using System.Text;

namespace Myelin.Load.Scenarios;

/// <summary>A play as the rjbench workload reads it: one "SPEAKER: line" per line; blank lines and '#' comments skipped.</summary>
public sealed record PlayScript(IReadOnlyList<(string Speaker, string Line)> Lines)
{
    public const string DefaultPlay = "balcony.txt";

    public static PlayScript Parse(string text, string source)
    {
        var lines = new List<(string, string)>();
        int number = 0;
        foreach (string raw in text.Split('\n'))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == line.Length - 1)
            {
                throw new FormatException($"{source}:{number}: expected 'SPEAKER: line', got '{line}'.");
            }
            lines.Add((line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }
        if (lines.Count == 0)
        {
            throw new FormatException($"{source}: no 'SPEAKER: line' lines.");
        }
        return new PlayScript(lines);
    }

    /// <summary>The play shipped with the tool (an embedded resource).</summary>
    public static PlayScript LoadDefault()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Plays." + DefaultPlay)
            ?? throw new InvalidOperationException("the embedded play is missing from the build");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(reader.ReadToEnd(), DefaultPlay);
    }

    /// <summary>A speaker's name as a Matrix localpart: lower case, runs of other characters as one '_'.</summary>
    /// <remarks>spec: appendices "User Identifiers" (localparts use a-z, 0-9, '.', '_', '=', '-', '/').</remarks>
    public static string Localpart(string speaker)
    {
        var text = new StringBuilder();
        foreach (char c in speaker.ToLowerInvariant())
        {
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9'))
            {
                text.Append(c);
            }
            else if (text.Length > 0 && text[^1] != '_')
            {
                text.Append('_');
            }
        }
        string result = text.ToString().TrimEnd('_');
        return result.Length == 0 ? "speaker" : result;
    }
}
