using System.Text;
using System.Text.Json;

namespace Myelin.Protocol.Push;

/// <summary>
/// A dot-separated path to an event property (<c>content.m\.relates_to.rel_type</c>), split into
/// property names once so matching walks the event without re-parsing.
/// spec: appendices "Dot-separated property paths".
/// </summary>
public sealed class PropertyPath : IEquatable<PropertyPath>
{
    internal static readonly PropertyPath Type = Parse("type");
    internal static readonly PropertyPath StateKey = Parse("state_key");
    internal static readonly PropertyPath Sender = Parse("sender");
    internal static readonly PropertyPath RoomId = Parse("room_id");
    internal static readonly PropertyPath ContentBody = Parse("content.body");

    private readonly string[] _segments;

    private PropertyPath(string text, string[] segments)
    {
        Text = text;
        _segments = segments;
    }

    /// <summary>The path as written in the push rule, escapes included.</summary>
    public string Text { get; }

    /// <summary>The unescaped property names, outermost first.</summary>
    public IReadOnlyList<string> Segments => _segments;

    /// <summary>
    /// Splits on unescaped dots. <c>\.</c> is a literal dot and <c>\\</c> a literal backslash;
    /// any other escape is kept as-is (spec: "Other escape sequences are left as-is").
    /// </summary>
    public static PropertyPath Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var segments = new List<string>();
        var current = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\' && i + 1 < text.Length && text[i + 1] is '.' or '\\')
            {
                current.Append(text[i + 1]);
                i++;
            }
            else if (c == '.')
            {
                segments.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        segments.Add(current.ToString());
        return new PropertyPath(text, [.. segments]);
    }

    /// <summary>Walks the event object; false when any step is missing or not an object.</summary>
    public bool TryResolve(JsonElement root, out JsonElement value)
    {
        value = root;
        foreach (string segment in _segments)
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(segment, out value))
            {
                value = default;
                return false;
            }
        }
        return true;
    }

    public bool Equals(PropertyPath? other) => other is not null && string.Equals(Text, other.Text, StringComparison.Ordinal);
    public override bool Equals(object? obj) => Equals(obj as PropertyPath);
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Text);
    public override string ToString() => Text;
}
