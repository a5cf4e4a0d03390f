using System.Globalization;
using System.Text;
using System.Text.Json;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;
using Myelin.Storage.Events;

namespace Myelin.Storage.Search;

internal sealed class SearchStore(StorageEngine engine) : ISearchStore
{
    private bool Sqlite => engine.Dialect.Kind == DatabaseEngineKind.Sqlite;

    public Task<IReadOnlyList<SearchHit>> SearchAsync(SearchQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Words.Count == 0 || query.RoomIds.Count == 0 || query.Limit <= 0)
        {
            return Task.FromResult<IReadOnlyList<SearchHit>>([]);
        }
        var (where, parameters) = Where(query);
        string rank = Sqlite ? "-bm25(event_search)" : $"ts_rank_cd(s.vector, to_tsquery('{SearchIndex.PostgresConfig}', @match))";
        string order = query.Order == SearchOrder.Recent ? "e.stream_ordering DESC" : "rank DESC, e.stream_ordering DESC";
        string sql = $"SELECT {EventStore.Columns}, {rank} AS rank {From} WHERE {where} ORDER BY {order} LIMIT @limit OFFSET @offset";
        parameters.Add(("limit", (long)query.Limit));
        parameters.Add(("offset", query.Order == SearchOrder.Rank ? (long)query.Offset : 0L));
        return engine.ReadAsync<IReadOnlyList<SearchHit>>(async db => await db.QueryAsync(sql,
            r => new SearchHit(EventStore.Read(r), Convert.ToDouble(r.GetValue(17), CultureInfo.InvariantCulture)), [.. parameters]), cancellationToken);
    }

    public Task<long> CountAsync(SearchQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Words.Count == 0 || query.RoomIds.Count == 0)
        {
            return Task.FromResult(0L);
        }
        var (where, parameters) = Where(query with { Before = null });
        return engine.ReadAsync(async db => await db.ScalarInt64Async($"SELECT COUNT(*) {From} WHERE {where}", [.. parameters]) ?? 0, cancellationToken);
    }

    private string From => Sqlite
        ? "FROM event_search JOIN events e ON e.stream_ordering = event_search.rowid"
        : "FROM event_search s JOIN events e ON e.stream_ordering = s.stream_ordering";

    private (string Where, List<(string Name, object? Value)> Parameters) Where(SearchQuery query)
    {
        var parameters = new List<(string Name, object? Value)> { ("match", MatchExpression(query.Words)) };
        var sql = new StringBuilder(Sqlite
            ? "event_search MATCH @match"
            : $"s.vector @@ to_tsquery('{SearchIndex.PostgresConfig}', @match)");
        var (rooms, roomParameters) = DbSession.InList("room", query.RoomIds, r => r.Value);
        // PostgreSQL filters on its own room column (indexed with the vector's table); SQLite on the joined event.
        sql.Append(Sqlite ? " AND e.room_id IN (" : " AND s.room_id IN (").Append(rooms).Append(')');
        parameters.AddRange(roomParameters);
        if (query.Types is { Count: > 0 } types)
        {
            var (typeList, typeParameters) = DbSession.InList("type", types, t => t);
            sql.Append(" AND e.type IN (").Append(typeList).Append(')');
            parameters.AddRange(typeParameters);
        }
        if (query.Order == SearchOrder.Recent && query.Before is { } before)
        {
            sql.Append(" AND e.stream_ordering < @before");
            parameters.Add(("before", before));
        }
        return (sql.ToString(), parameters);
    }

    /// <summary>
    /// Every word must occur, each as a prefix (as Synapse): FTS5 <c>"w1"* "w2"*</c>, tsquery <c>w1:* &amp; w2:*</c>.
    /// Words are letters and digits only (the caller splits the search term), so neither syntax can be injected.
    /// </summary>
    private string MatchExpression(IReadOnlyList<string> words) => Sqlite
        ? string.Join(' ', words.Select(w => "\"" + w.Replace("\"", "", StringComparison.Ordinal) + "\"*"))
        : string.Join(" & ", words.Select(w => new string(w.Where(char.IsLetterOrDigit).ToArray()) + ":*"));

    public Task<int> BackfillAsync(int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return engine.WriteAsync(async db =>
        {
            long upTo = await db.ScalarInt64Async("SELECT up_to FROM event_search_backfill") ?? 0;
            if (upTo <= 0)
            {
                return 0;
            }
            var events = await db.QueryAsync(
                $"SELECT {EventStore.Columns} FROM events e WHERE e.stream_ordering <= @up_to AND e.type IN ('m.room.message', 'm.room.name', 'm.room.topic') " +
                "AND e.is_outlier = @false AND e.is_rejected = @false AND e.is_soft_failed = @false AND e.redacted_by IS NULL " +
                "ORDER BY e.stream_ordering DESC LIMIT @limit",
                EventStore.Read, ("up_to", upTo), ("false", false), ("limit", (long)batchSize));
            foreach (var stored in events)
            {
                string? text;
                try
                {
                    using var document = JsonDocument.Parse(stored.Json);
                    text = document.RootElement.TryGetProperty("content", out var content)
                        ? SearchIndex.TextOf(stored.Type, stored.StateKey, content)
                        : null;
                }
                catch (JsonException)
                {
                    continue; // stored events were valid JSON when persisted; skip rather than stop the backfill
                }
                await SearchIndex.IndexTextAsync(db, engine.Dialect.Kind, stored.RoomId, stored.StreamPosition.Value, text);
            }
            long next = events.Count < batchSize ? 0 : events[^1].StreamPosition.Value - 1;
            await db.ExecuteAsync("UPDATE event_search_backfill SET up_to = @next", ("next", next));
            return events.Count == 0 ? 0 : events.Count;
        }, cancellationToken);
    }
}
