using System.Text.Json;
using Myelin.Protocol.Events;
using Myelin.Server.Filters;
using Myelin.Server.Http;
using Myelin.Storage.Search;

namespace Myelin.Server.Search;

/// <summary>Reads a <c>POST /search</c> body, answering the spec's errors for anything malformed. spec: search.yaml.</summary>
public static class SearchRequestParser
{
    public const int DefaultContextLimit = 5;
    public const int MaxContextLimit = 100;

    /// <summary>The room_events criteria, or null when the body asks for no category this server knows.</summary>
    public static SearchRequest? Parse(JsonElement body, string? nextBatch)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("The body must be a JSON object.");
        }
        if (!body.TryGetProperty("search_categories", out var categories))
        {
            throw MatrixException.MissingParam("'search_categories' is required.");
        }
        if (categories.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("'search_categories' must be an object.");
        }
        SearchBatchToken? token = null;
        if (nextBatch is not null && !SearchBatchToken.TryParse(nextBatch, out token))
        {
            throw MatrixException.InvalidParam("'next_batch' is not a valid search token.");
        }
        if (!categories.TryGetProperty("room_events", out var criteria))
        {
            return null;
        }
        if (criteria.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("'room_events' must be an object.");
        }
        if (!criteria.TryGetProperty("search_term", out var term))
        {
            throw MatrixException.MissingParam("'room_events.search_term' is required.");
        }
        if (term.ValueKind != JsonValueKind.String)
        {
            throw MatrixException.BadJson("'search_term' must be a string.");
        }

        IReadOnlyList<string>? types = null;
        if (criteria.TryGetProperty("keys", out var keys) && keys.ValueKind != JsonValueKind.Null)
        {
            if (keys.ValueKind != JsonValueKind.Array)
            {
                throw MatrixException.BadJson("'keys' must be an array of strings.");
            }
            var list = new List<string>();
            foreach (var key in keys.EnumerateArray())
            {
                if (key.ValueKind != JsonValueKind.String)
                {
                    throw MatrixException.BadJson("'keys' must be an array of strings.");
                }
                list.Add(key.GetString() switch
                {
                    "content.body" => EventTypes.Message,
                    "content.name" => EventTypes.Name,
                    "content.topic" => EventTypes.Topic,
                    var other => throw MatrixException.InvalidParam($"Unknown search key '{other}': expected content.body, content.name or content.topic."),
                });
            }
            // spec: "Defaults to all" — an empty list is read the same way.
            types = list.Count == 0 ? null : list.Distinct(StringComparer.Ordinal).ToList();
        }

        EventFilter? filter = null;
        if (criteria.TryGetProperty("filter", out var filterJson) && filterJson.ValueKind != JsonValueKind.Null)
        {
            if (!FilterParser.TryParseRoomEventFilter(filterJson, out filter, out var error))
            {
                throw new MatrixException(error.Errcode, error.Message, 400);
            }
        }

        var order = SearchOrder.Rank;
        if (criteria.TryGetProperty("order_by", out var orderJson) && orderJson.ValueKind != JsonValueKind.Null)
        {
            order = orderJson.ValueKind != JsonValueKind.String
                ? throw MatrixException.BadJson("'order_by' must be a string.")
                : orderJson.GetString() switch
                {
                    "rank" => SearchOrder.Rank,
                    "recent" => SearchOrder.Recent,
                    var other => throw MatrixException.InvalidParam($"Unknown order_by '{other}': expected rank or recent."),
                };
        }
        if (token is not null && token.Order != order)
        {
            throw MatrixException.InvalidParam("'next_batch' belongs to a search with a different order_by.");
        }

        SearchContextRequest? context = null;
        if (criteria.TryGetProperty("event_context", out var contextJson) && contextJson.ValueKind != JsonValueKind.Null)
        {
            if (contextJson.ValueKind != JsonValueKind.Object)
            {
                throw MatrixException.BadJson("'event_context' must be an object.");
            }
            context = new SearchContextRequest(
                ContextLimit(contextJson, "before_limit"),
                ContextLimit(contextJson, "after_limit"),
                OptionalBool(contextJson, "include_profile", "event_context.include_profile"));
        }

        var groupBy = new List<string>();
        if (criteria.TryGetProperty("groupings", out var groupings) && groupings.ValueKind != JsonValueKind.Null)
        {
            if (groupings.ValueKind != JsonValueKind.Object)
            {
                throw MatrixException.BadJson("'groupings' must be an object.");
            }
            if (groupings.TryGetProperty("group_by", out var groups) && groups.ValueKind != JsonValueKind.Null)
            {
                if (groups.ValueKind != JsonValueKind.Array)
                {
                    throw MatrixException.BadJson("'groupings.group_by' must be an array.");
                }
                foreach (var group in groups.EnumerateArray())
                {
                    if (group.ValueKind != JsonValueKind.Object || !group.TryGetProperty("key", out var key) || key.ValueKind != JsonValueKind.String)
                    {
                        throw MatrixException.BadJson("Each group in 'group_by' must be an object with a string 'key'.");
                    }
                    string name = key.GetString()!;
                    if (name is not ("room_id" or "sender"))
                    {
                        throw MatrixException.InvalidParam($"Unknown group key '{name}': expected room_id or sender.");
                    }
                    if (!groupBy.Contains(name))
                    {
                        groupBy.Add(name);
                    }
                }
            }
        }

        return new SearchRequest
        {
            SearchTerm = term.GetString()!,
            Types = types,
            Filter = filter,
            Order = order,
            Context = context,
            IncludeState = OptionalBool(criteria, "include_state", "include_state"),
            GroupBy = groupBy,
            NextBatch = token,
        };
    }

    private static int ContextLimit(JsonElement context, string name)
    {
        if (!context.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return DefaultContextLimit;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long limit))
        {
            throw MatrixException.BadJson($"'event_context.{name}' must be an integer.");
        }
        if (limit < 0)
        {
            throw MatrixException.InvalidParam($"'event_context.{name}' must not be negative.");
        }
        return (int)Math.Min(limit, MaxContextLimit);
    }

    private static bool OptionalBool(JsonElement obj, string name, string path) =>
        !obj.TryGetProperty(name, out var value) ? false : value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw MatrixException.BadJson($"'{path}' must be a boolean."),
        };
}
