namespace Myelin.Protocol.Json;

/// <summary>
/// Chooses which members of an object the canonical writer emits, and how to filter the members of a
/// nested object. Used for "remove signatures and unsigned" and for the redaction algorithm.
/// </summary>
internal abstract class JsonMemberFilter
{
    /// <summary>Whether to write the member named <paramref name="name"/> (unescaped UTF-8).</summary>
    /// <param name="nested">The filter for the member's value when it is an object; null keeps everything.</param>
    public abstract bool Includes(ReadOnlySpan<byte> name, out JsonMemberFilter? nested);
}

/// <summary>Writes every member except the listed ones; nested values are written whole.</summary>
internal sealed class ExcludeMembersFilter(params string[] excluded) : JsonMemberFilter
{
    private readonly byte[][] _excluded = [.. excluded.Select(System.Text.Encoding.UTF8.GetBytes)];

    /// <summary>spec: appendices "Signing Details" — signatures cover the object without these.</summary>
    public static readonly ExcludeMembersFilter ForSigning = new("signatures", "unsigned");

    /// <summary>spec: server-server "Calculating the content hash for an event".</summary>
    public static readonly ExcludeMembersFilter ForContentHash = new("unsigned", "signatures", "hashes");

    public override bool Includes(ReadOnlySpan<byte> name, out JsonMemberFilter? nested)
    {
        nested = null;
        foreach (byte[] excluded in _excluded)
        {
            if (name.SequenceEqual(excluded))
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>Writes only the listed members.</summary>
internal sealed class KeepMembersFilter : JsonMemberFilter
{
    private readonly (byte[] Name, JsonMemberFilter? Nested)[] _kept;

    public KeepMembersFilter(params (string Name, JsonMemberFilter? Nested)[] kept) =>
        _kept = [.. kept.Select(k => (System.Text.Encoding.UTF8.GetBytes(k.Name), k.Nested))];

    public KeepMembersFilter(params string[] kept) : this([.. kept.Select(k => (k, (JsonMemberFilter?)null))])
    {
    }

    public override bool Includes(ReadOnlySpan<byte> name, out JsonMemberFilter? nested)
    {
        foreach (var (keptName, keptNested) in _kept)
        {
            if (name.SequenceEqual(keptName))
            {
                nested = keptNested;
                return true;
            }
        }
        nested = null;
        return false;
    }
}
