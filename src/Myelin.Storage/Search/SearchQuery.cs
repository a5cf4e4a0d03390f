using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Search;

/// <summary>How search results are ordered. spec: client-server "Server Side Search" "Ordering".</summary>
public enum SearchOrder
{
    /// <summary>Most relevant first (ties: most recent first).</summary>
    Rank,
    /// <summary>Most recent first.</summary>
    Recent,
}

/// <summary>
/// One full-text query over the index: every word of <see cref="Words"/> must match (as a prefix, as Synapse does),
/// in one of <see cref="RoomIds"/>, optionally only events of <see cref="Types"/>. Pages go by <see cref="Offset"/>
/// (rank order) or strictly below <see cref="Before"/> (recent order).
/// </summary>
public sealed record SearchQuery
{
    public required IReadOnlyList<string> Words { get; init; }
    public required IReadOnlyList<RoomId> RoomIds { get; init; }
    /// <summary>Event types to keep (the <c>keys</c> asked for); null keeps every indexed type.</summary>
    public IReadOnlyList<string>? Types { get; init; }
    public SearchOrder Order { get; init; } = SearchOrder.Rank;
    public long? Before { get; init; }
    public int Offset { get; init; }
    public int Limit { get; init; } = 50;
}
