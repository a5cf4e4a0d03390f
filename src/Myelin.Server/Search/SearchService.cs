using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Events;
using Myelin.Server.Timeline;
using Myelin.Server.Visibility;
using Myelin.Storage;
using Myelin.Storage.Events;
using Myelin.Storage.Search;

namespace Myelin.Server.Search;

/// <summary>
/// Server-side search, category <c>room_events</c>: full text over the engine's index, limited to rooms the user is or
/// was in and to events history visibility lets them see, ordered by rank or recency, paged by <c>next_batch</c>,
/// with optional event context, groupings and current state. spec: client-server "Server Side Search".
/// </summary>
public sealed partial class SearchService
{
    public const int DefaultLimit = 10;
    public const int MaxLimit = 100;
    private const int MaxWords = 16;
    /// <summary>Index rows examined per request at most (visibility may hide many): beyond it, a next_batch continues.</summary>
    private const int MaxScanned = 2000;

    private readonly MyelinDatabase _database;
    private readonly HistoryVisibility _visibility;
    private readonly RoomTimeline _timeline;
    private readonly ClientEvents _clientEvents;

    public SearchService(MyelinDatabase database, HistoryVisibility visibility, RoomTimeline timeline, ClientEvents clientEvents)
    {
        _database = database;
        _visibility = visibility;
        _timeline = timeline;
        _clientEvents = clientEvents;
    }

    /// <summary>The words a search term is split into: runs of letters and digits, lower-cased, at most 16.</summary>
    public static IReadOnlyList<string> WordsOf(string term) =>
        WordPattern().Matches(term).Select(m => m.Value.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Take(MaxWords).ToList();

    /// <summary>The <c>room_events</c> result object.</summary>
    public async Task<JsonObject> SearchAsync(Requester requester, SearchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requester);
        ArgumentNullException.ThrowIfNull(request);
        var user = requester.UserId;
        var words = WordsOf(request.SearchTerm);
        int limit = Math.Clamp(request.Filter?.Limit ?? DefaultLimit, 1, MaxLimit);
        var token = request.NextBatch;

        // spec: "all rooms that the user has been in, including those that they have left"; per-event visibility below.
        var rooms = (await _database.Memberships.GetMembershipsForUserAsync(user, cancellationToken))
            .Select(m => m.RoomId)
            .Where(r => request.Filter?.MatchesRoom(r.Value) ?? true)
            .Where(r => token?.GroupKey != "room_id" || r.Value == token.GroupValue)
            .Distinct()
            .ToList();
        var query = new SearchQuery
        {
            Words = words,
            RoomIds = rooms,
            Types = request.Types,
            Order = request.Order,
        };

        var results = new List<SearchHit>();
        long cursor = token?.Cursor ?? (request.Order == SearchOrder.Recent ? long.MaxValue : 0);
        bool exhausted = words.Count == 0 || rooms.Count == 0;
        int scanned = 0;
        while (!exhausted && results.Count < limit && scanned < MaxScanned)
        {
            int batchSize = Math.Max(limit * 2, 20);
            var batch = await _database.Search.SearchAsync(query with
            {
                Before = request.Order == SearchOrder.Recent ? cursor : null,
                Offset = request.Order == SearchOrder.Rank ? (int)Math.Min(cursor, int.MaxValue) : 0,
                Limit = batchSize,
            }, cancellationToken);
            scanned += batch.Count;
            exhausted = batch.Count < batchSize;
            var visible = await VisibleAsync(user, batch.Select(h => h.Event).ToList(), cancellationToken);
            int consumed = 0;
            foreach (var hit in batch)
            {
                consumed++;
                cursor = request.Order == SearchOrder.Recent ? hit.Event.StreamPosition.Value : cursor + 1;
                if (visible.Contains(hit.Event.EventId) && RoomTimeline.Matches(request.Filter, hit.Event)
                    && (token?.GroupKey != "sender" || hit.Event.Sender.Value == token.GroupValue))
                {
                    results.Add(hit);
                    if (results.Count == limit)
                    {
                        break;
                    }
                }
            }
            if (consumed < batch.Count)
            {
                exhausted = false; // stopped inside the batch: more may follow
            }
        }

        var events = results.Select(h => h.Event).ToList();
        var serialized = await _clientEvents.SerializeAsync(events, requester, includeRoomId: true, cancellationToken: cancellationToken);
        var resultArray = new JsonArray();
        for (int i = 0; i < results.Count; i++)
        {
            var item = new JsonObject
            {
                ["rank"] = results[i].Rank,
                ["result"] = JsonNode.Parse(serialized[i]),
            };
            if (request.Context is { } contextRequest)
            {
                item["context"] = await ContextAsync(requester, results[i].Event, contextRequest, cancellationToken);
            }
            resultArray.Add(item);
        }

        var body = new JsonObject
        {
            ["count"] = await _database.Search.CountAsync(query, cancellationToken),
            ["highlights"] = new JsonArray([.. Highlights(words, events).Select(w => (JsonNode)w)]),
            ["results"] = resultArray,
        };
        SearchBatchToken? next = exhausted ? null : new SearchBatchToken(request.Order, cursor, token?.GroupKey, token?.GroupValue);
        if (next is not null)
        {
            body["next_batch"] = next.ToString();
        }
        if (request.GroupBy.Count > 0)
        {
            body["groups"] = Groups(request, events, next);
        }
        if (request.IncludeState)
        {
            body["state"] = await StateAsync(requester, events, cancellationToken);
        }
        return body;
    }

    /// <summary>The IDs among <paramref name="events"/> the user may see (history visibility, ignored users), room by room.</summary>
    private async Task<HashSet<EventId>> VisibleAsync(UserId user, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        var visible = new HashSet<EventId>();
        foreach (var room in events.GroupBy(e => e.RoomId))
        {
            foreach (var e in await _visibility.FilterVisibleAsync(user, room.Key, room.ToList(), cancellationToken))
            {
                visible.Add(e.EventId);
            }
        }
        return visible;
    }

    /// <summary>
    /// The query words plus every word of the results' searched text that starts with one of them (prefix matching,
    /// stemming): what a client should highlight.
    /// </summary>
    private static IEnumerable<string> Highlights(IReadOnlyList<string> words, IReadOnlyList<StoredEvent> events)
    {
        var highlights = new List<string>(words);
        foreach (var stored in events)
        {
            using var document = JsonDocument.Parse(stored.Json);
            if (!document.RootElement.TryGetProperty("content", out var content) || SearchIndex.TextOf(stored.Type, stored.StateKey, content) is not { } text)
            {
                continue;
            }
            foreach (Match match in WordPattern().Matches(text))
            {
                string lower = match.Value.ToLowerInvariant();
                if (words.Any(w => lower.StartsWith(w, StringComparison.Ordinal)) && !highlights.Contains(match.Value))
                {
                    highlights.Add(match.Value);
                }
            }
        }
        return highlights.Distinct(StringComparer.Ordinal);
    }

    /// <summary>spec: Result "context": events_before/after (visible to the user), start/end tokens, profile_info.</summary>
    private async Task<JsonObject> ContextAsync(Requester requester, StoredEvent result, SearchContextRequest request, CancellationToken cancellationToken)
    {
        var token = result.TopologicalToken;
        var before = await _timeline.PaginateAsync(requester.UserId, result.RoomId, token, PaginationDirection.Backwards, request.BeforeLimit, null, null, cancellationToken);
        var after = await _timeline.PaginateAsync(requester.UserId, result.RoomId, token, PaginationDirection.Forwards, request.AfterLimit, null, null, cancellationToken);
        var context = new JsonObject
        {
            ["start"] = (before.End ?? (before.Events.Count > 0 ? before.Events[^1].TopologicalToken : token)).ToString(),
            ["end"] = (after.End ?? (after.Events.Count > 0 ? after.Events[^1].TopologicalToken : token)).ToString(),
            ["events_before"] = ClientEvents.ToJsonArray(await _clientEvents.SerializeAsync(before.Events, requester, includeRoomId: true, cancellationToken: cancellationToken)),
            ["events_after"] = ClientEvents.ToJsonArray(await _clientEvents.SerializeAsync(after.Events, requester, includeRoomId: true, cancellationToken: cancellationToken)),
        };
        if (request.IncludeProfile)
        {
            context["profile_info"] = await ProfilesAsync(result, before.Events.Concat(after.Events).Append(result), cancellationToken);
        }
        return context;
    }

    /// <summary>The senders' display names and avatars as of the result (their member events in the state before it).</summary>
    private async Task<JsonObject> ProfilesAsync(StoredEvent result, IEnumerable<StoredEvent> events, CancellationToken cancellationToken)
    {
        var keys = events.Select(e => new StateKey(EventTypes.Member, e.Sender.Value)).Distinct().ToList();
        var states = await _database.State.GetStateBeforeEventsAsync([result.EventId], keys, cancellationToken);
        var profiles = new JsonObject();
        if (!states.TryGetValue(result.EventId, out var state))
        {
            return profiles;
        }
        var members = await _database.Events.GetEventsAsync(state.Values.ToList(), cancellationToken);
        foreach (var (key, eventId) in state)
        {
            if (!members.TryGetValue(eventId, out var member))
            {
                continue;
            }
            using var document = JsonDocument.Parse(member.Json);
            var profile = new JsonObject();
            if (document.RootElement.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Object)
            {
                if (content.TryGetProperty("displayname", out var name) && name.ValueKind == JsonValueKind.String)
                {
                    profile["displayname"] = name.GetString();
                }
                if (content.TryGetProperty("avatar_url", out var avatar) && avatar.ValueKind == JsonValueKind.String)
                {
                    profile["avatar_url"] = avatar.GetString();
                }
            }
            profiles[key.Key] = profile;
        }
        return profiles;
    }

    /// <summary>
    /// spec: "groups": per requested key, per value, the result IDs in order, an <c>order</c> (first appearance) and —
    /// for recent ordering, when more may follow — a <c>next_batch</c> scoped to that group.
    /// </summary>
    private static JsonObject Groups(SearchRequest request, IReadOnlyList<StoredEvent> events, SearchBatchToken? next)
    {
        var groups = new JsonObject();
        foreach (string key in request.GroupBy)
        {
            var byValue = new JsonObject();
            int order = 0;
            foreach (var group in events.GroupBy(e => key == "room_id" ? e.RoomId.Value : e.Sender.Value))
            {
                var entry = new JsonObject
                {
                    ["results"] = new JsonArray([.. group.Select(e => (JsonNode)e.EventId.Value)]),
                    ["order"] = ++order,
                };
                // Rank pages go by offset in the unscoped order, which a group-scoped search does not share.
                if (next is not null && request.Order == SearchOrder.Recent)
                {
                    entry["next_batch"] = (next with { GroupKey = key, GroupValue = group.Key }).ToString();
                }
                byValue[group.Key] = entry;
            }
            groups[key] = byValue;
        }
        return groups;
    }

    /// <summary>spec: "state": the current state of each room in the results — only for rooms the user is joined to now.</summary>
    private async Task<JsonObject> StateAsync(Requester requester, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        var state = new JsonObject();
        foreach (var roomId in events.Select(e => e.RoomId).Distinct())
        {
            if (await _visibility.GetRoomAccessAsync(requester.UserId, roomId, cancellationToken) is not (RoomReadAccess.Member or RoomReadAccess.WorldReadable))
            {
                continue;
            }
            var current = await _database.State.GetCurrentStateEventsAsync(roomId, null, cancellationToken);
            state[roomId.Value] = ClientEvents.ToJsonArray(await _clientEvents.SerializeAsync(current, requester, includeRoomId: true, cancellationToken: cancellationToken));
        }
        return state;
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordPattern();
}
