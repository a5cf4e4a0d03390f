using System.Globalization;
using System.Text.Json;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Http;
using Myelin.Storage;

namespace Myelin.Server.Filters;

/// <summary>
/// Uploaded sync filters: validated with <see cref="FilterParser"/>, stored as the client sent them, looked up by ID
/// or taken inline (the <c>filter</c> parameter of /sync). spec: client-server "Filtering".
/// </summary>
public sealed class FilterService
{
    private readonly MyelinDatabase _database;

    public FilterService(MyelinDatabase database) => _database = database;

    /// <summary>Validates and stores a filter; returns its ID. Invalid filters → 400 with the parser's errcode.</summary>
    public async Task<string> CreateAsync(UserId userId, JsonElement filter, CancellationToken cancellationToken = default)
    {
        Parse(filter);
        long id = await _database.Filters.AddAsync(userId, filter.GetRawText(), cancellationToken);
        return id.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The stored filter JSON, or 404 <c>M_NOT_FOUND</c>.</summary>
    public async Task<JsonElement> GetJsonAsync(UserId userId, string filterId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filterId);
        string? json = long.TryParse(filterId, NumberStyles.None, CultureInfo.InvariantCulture, out long id)
            ? await _database.Filters.GetAsync(userId, id, cancellationToken)
            : null;
        if (json is null)
        {
            throw MatrixException.NotFound($"No filter with ID '{filterId}'.");
        }
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// The filter a /sync request names: <see cref="SyncFilter.Default"/> when absent, inline JSON when it starts
    /// with '{', otherwise a stored filter ID (404 <c>M_NOT_FOUND</c> when unknown).
    /// </summary>
    public async Task<SyncFilter> GetAsync(UserId userId, string? idOrInlineJson, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(idOrInlineJson))
        {
            return SyncFilter.Default;
        }
        if (idOrInlineJson.TrimStart().StartsWith('{'))
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(idOrInlineJson);
            }
            catch (JsonException)
            {
                throw MatrixException.NotJson("The inline filter is not valid JSON.");
            }
            using (document)
            {
                return Parse(document.RootElement);
            }
        }
        return Parse(await GetJsonAsync(userId, idOrInlineJson, cancellationToken));
    }

    private static SyncFilter Parse(JsonElement json) =>
        FilterParser.TryParse(json, out var filter, out var error)
            ? filter
            : throw new MatrixException(error.Errcode, error.Message, 400);
}
