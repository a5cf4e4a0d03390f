using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Http;

namespace Myelin.Server.Rooms;

/// <summary>A search of the published room directory. spec: client-server "POST /publicRooms".</summary>
public sealed record PublicRoomsQuery
{
    public int Limit { get; init; } = DefaultLimit;
    /// <summary>A <c>next_batch</c> or <c>prev_batch</c> token from an earlier page.</summary>
    public string? Since { get; init; }
    public string? SearchTerm { get; init; }
    /// <summary>Room types to include; a null item stands for rooms without a type. Null includes all rooms.</summary>
    public IReadOnlyList<string?>? RoomTypes { get; init; }

    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;
}

/// <summary>
/// The published room directory: the rooms published with <c>visibility: public</c>, most joined members first,
/// with their summaries (name, topic, alias, avatar, join rule, ...), filtered and paginated.
/// spec: client-server "Published room directory"; openapi list_public_rooms.yaml.
/// </summary>
public sealed class PublicRoomDirectory
{
    /// <summary>
    /// The <c>filter</c> of a POST publicRooms body (client-server and server-server share it): the search term and the
    /// room types (null in the list = rooms without a type).
    /// </summary>
    public static (string? Term, List<string?>? RoomTypes) ReadFilter(JsonObject body)
    {
        if (body.OptionalObject("filter") is not { } filter)
        {
            return (null, null);
        }
        string? term = filter.OptionalString("generic_search_term");
        if (filter.OptionalArray("room_types") is not { } types)
        {
            return (term, null);
        }
        var roomTypes = new List<string?>();
        foreach (var t in types)
        {
            roomTypes.Add(t is null ? null : t.GetValueKind() == JsonValueKind.String
                ? t.GetValue<string>()
                : throw MatrixException.BadJson("'filter.room_types' must be an array of strings or nulls."));
        }
        return (term, roomTypes);
    }

    private const int StorePage = 500;
    private static readonly string[] SummaryTypes =
    [
        EventTypes.Create, EventTypes.Name, EventTypes.Topic, EventTypes.CanonicalAlias, EventTypes.Avatar,
        EventTypes.JoinRules, EventTypes.HistoryVisibility, EventTypes.GuestAccess,
    ];

    private readonly RoomEvents _events;

    public PublicRoomDirectory(RoomEvents events) => _events = events;

    /// <summary>One page of the directory as the spec's response object (<c>chunk</c>, batch tokens, count estimate).</summary>
    public async Task<JsonObject> GetPageAsync(PublicRoomsQuery query, CancellationToken cancellationToken)
    {
        int offset = 0;
        if (query.Since is { } since && (since.Length < 2 || since[0] != 'p' ||
            !int.TryParse(since.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out offset)))
        {
            throw MatrixException.InvalidParam($"'since' is not a batch token this server issued: '{since}'.");
        }

        // Published rooms are few on a single server; collecting all lets the filter and the tokens stay exact.
        var summaries = new List<JsonObject>();
        long storeOffset = 0;
        while (true)
        {
            var page = await _events.Database.Rooms.GetPublicRoomsAsync(StorePage, storeOffset, cancellationToken);
            foreach (var entry in page.Rooms)
            {
                var summary = await SummarizeAsync(entry.RoomId, entry.JoinedMembers, cancellationToken);
                if (Matches(summary, query))
                {
                    summaries.Add(summary);
                }
            }
            if (page.NextOffset is not { } next)
            {
                break;
            }
            storeOffset = next;
        }

        int limit = Math.Clamp(query.Limit, 1, PublicRoomsQuery.MaxLimit);
        offset = Math.Min(offset, summaries.Count);
        var chunk = summaries.Skip(offset).Take(limit).ToArray();
        var response = new JsonObject
        {
            ["chunk"] = new JsonArray(chunk),
            ["total_room_count_estimate"] = summaries.Count,
        };
        if (offset + chunk.Length < summaries.Count)
        {
            response["next_batch"] = Token(offset + chunk.Length);
        }
        if (offset > 0)
        {
            response["prev_batch"] = Token(Math.Max(0, offset - limit));
        }
        return response;
    }

    /// <summary>
    /// A room's directory entry. spec: "PublishedRoomsChunk": room_id, num_joined_members, world_readable,
    /// guest_can_join, and name, topic, canonical_alias, avatar_url, join_rule, room_type when set.
    /// </summary>
    public async Task<JsonObject> SummarizeAsync(RoomId roomId, long joinedMembers, CancellationToken cancellationToken)
    {
        var stored = await _events.Database.State.GetCurrentStateEventsAsync(roomId, SummaryTypes, cancellationToken);
        var content = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var e in stored)
        {
            if (e.StateKey == "" && e.RedactedBy is null)
            {
                content[e.Type] = (await _events.ToPduAsync(e, cancellationToken)).Content;
            }
        }
        string? Read(string type, string key) =>
            content.TryGetValue(type, out var c) && c.ValueKind == JsonValueKind.Object && c.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String
                ? v.GetString()
                : null;

        var summary = new JsonObject
        {
            ["room_id"] = roomId.Value,
            ["num_joined_members"] = joinedMembers,
            ["world_readable"] = Read(EventTypes.HistoryVisibility, "history_visibility") == "world_readable",
            ["guest_can_join"] = Read(EventTypes.GuestAccess, "guest_access") == "can_join",
            ["join_rule"] = Read(EventTypes.JoinRules, "join_rule") ?? JoinRules.Invite,
        };
        AddIfSet(summary, "name", Read(EventTypes.Name, "name"));
        AddIfSet(summary, "topic", Read(EventTypes.Topic, "topic"));
        AddIfSet(summary, "canonical_alias", Read(EventTypes.CanonicalAlias, "alias"));
        AddIfSet(summary, "avatar_url", Read(EventTypes.Avatar, "url"));
        AddIfSet(summary, "room_type", Read(EventTypes.Create, "type"));
        return summary;
    }

    private static bool Matches(JsonObject summary, PublicRoomsQuery query)
    {
        if (query.RoomTypes is { Count: > 0 } types)
        {
            string? type = summary["room_type"]?.GetValue<string>();
            if (!types.Contains(type))
            {
                return false;
            }
        }
        if (string.IsNullOrWhiteSpace(query.SearchTerm))
        {
            return true;
        }
        // spec: generic_search_term filters on name, topic and canonical alias (case-insensitive, as Synapse).
        foreach (string field in (string[])["name", "topic", "canonical_alias"])
        {
            if (summary[field]?.GetValue<string>() is { } value && value.Contains(query.SearchTerm.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    private static void AddIfSet(JsonObject summary, string name, string? value)
    {
        if (value is not null)
        {
            summary[name] = value;
        }
    }

    private static string Token(int offset) => "p" + offset.ToString(CultureInfo.InvariantCulture);
}
