using System.Globalization;

namespace Myelin.Storage.Events;

/// <summary>
/// A position in a room's topological order, (depth, stream position), as used by <c>/messages</c>
/// pagination. Tokens are exclusive bounds. Serialized as <c>t{depth}-{stream}</c> (Synapse's shape).
/// </summary>
public readonly record struct TopologicalToken(long Depth, long Stream) : IComparable<TopologicalToken>
{
    /// <summary>After every event: paginate backwards from here to start at the newest.</summary>
    public static readonly TopologicalToken End = new(long.MaxValue, long.MaxValue);

    /// <summary>Before every event: paginate forwards from here to start at the oldest.</summary>
    public static readonly TopologicalToken Start = new(long.MinValue, long.MinValue);

    public int CompareTo(TopologicalToken other) => Depth != other.Depth ? Depth.CompareTo(other.Depth) : Stream.CompareTo(other.Stream);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"t{Depth}-{Stream}");

    public static bool TryParse(string? value, out TopologicalToken token)
    {
        token = default;
        if (value is null || value.Length < 4 || value[0] != 't')
        {
            return false;
        }
        int dash = value.IndexOf('-', 2);
        if (dash < 0
            || !long.TryParse(value.AsSpan(1, dash - 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long depth)
            || !long.TryParse(value.AsSpan(dash + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long stream))
        {
            return false;
        }
        token = new TopologicalToken(depth, stream);
        return true;
    }
}
