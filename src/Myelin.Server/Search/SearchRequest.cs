using Myelin.Server.Filters;
using Myelin.Storage.Search;

namespace Myelin.Server.Search;

/// <summary>A parsed <c>room_events</c> search criteria object. spec: client-server "POST /search".</summary>
public sealed record SearchRequest
{
    public required string SearchTerm { get; init; }
    /// <summary>The event types behind the requested <c>keys</c>; null = all searchable keys.</summary>
    public IReadOnlyList<string>? Types { get; init; }
    public EventFilter? Filter { get; init; }
    public SearchOrder Order { get; init; } = SearchOrder.Rank;
    /// <summary>Null when no <c>event_context</c> was requested.</summary>
    public SearchContextRequest? Context { get; init; }
    public bool IncludeState { get; init; }
    /// <summary>Requested groupings: <c>room_id</c> and/or <c>sender</c>.</summary>
    public IReadOnlyList<string> GroupBy { get; init; } = [];
    public SearchBatchToken? NextBatch { get; init; }
}

/// <summary><c>event_context</c>: how many events around each result, and whether to add the senders' profiles.</summary>
public sealed record SearchContextRequest(int BeforeLimit, int AfterLimit, bool IncludeProfile);
