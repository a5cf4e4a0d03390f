namespace Myelin.Storage.Search;

/// <summary>
/// Full-text search over room events: SQLite FTS5 or PostgreSQL tsvector + GIN, maintained in each event's persist
/// transaction (see <see cref="SearchIndex"/>). Results are raw matches: visibility is the caller's job.
/// spec: client-server "Server Side Search".
/// </summary>
public interface ISearchStore
{
    /// <summary>One page of matches in the query's order.</summary>
    Task<IReadOnlyList<SearchHit>> SearchAsync(SearchQuery query, CancellationToken cancellationToken = default);

    /// <summary>How many indexed events match in total (ignoring paging): the response's approximate <c>count</c>.</summary>
    Task<long> CountAsync(SearchQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Indexes up to <paramref name="batchSize"/> events persisted before the index existed (newest first); returns how
    /// many events it looked at, 0 once none are left.
    /// </summary>
    Task<int> BackfillAsync(int batchSize, CancellationToken cancellationToken = default);
}
