using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Myelin.Server.Filters;

/// <summary>
/// Reads filter JSON strictly enough that a client learns about a mistake (M_BAD_JSON / M_INVALID_PARAM with
/// the offending field) and leniently enough that unknown fields are ignored, as the spec's extensibility requires.
/// </summary>
public static class FilterParser
{
    /// <summary>The most events one filter may ask for in a batch; larger limits are clamped, not refused.</summary>
    public const int MaxLimit = 1000;

    public static bool TryParse(JsonElement json, [NotNullWhen(true)] out SyncFilter? filter, [NotNullWhen(false)] out FilterError? error)
    {
        filter = null;
        error = null;
        try
        {
            if (json.ValueKind != JsonValueKind.Object)
            {
                throw new FilterException("M_BAD_JSON", "A filter must be a JSON object.");
            }
            string format = OptionalString(json, "event_format") ?? "client";
            if (format is not ("client" or "federation"))
            {
                throw new FilterException("M_INVALID_PARAM", "event_format must be 'client' or 'federation'.");
            }
            RoomFilter room = RoomFilter.Default;
            if (json.TryGetProperty("room", out var r) && r.ValueKind != JsonValueKind.Null)
            {
                if (r.ValueKind != JsonValueKind.Object)
                {
                    throw new FilterException("M_BAD_JSON", "room must be an object.");
                }
                room = new RoomFilter
                {
                    Rooms = StringList(r, "rooms", "room.rooms", '!'),
                    NotRooms = StringList(r, "not_rooms", "room.not_rooms", '!'),
                    IncludeLeave = OptionalBool(r, "include_leave", "room.include_leave") ?? false,
                    Ephemeral = ParseEventFilter(r, "ephemeral", "room.ephemeral"),
                    State = ParseEventFilter(r, "state", "room.state"),
                    Timeline = ParseEventFilter(r, "timeline", "room.timeline"),
                    AccountData = ParseEventFilter(r, "account_data", "room.account_data"),
                };
            }
            filter = new SyncFilter
            {
                EventFields = StringList(json, "event_fields", "event_fields", null),
                EventFormat = format,
                Presence = ParseEventFilter(json, "presence", "presence"),
                AccountData = ParseEventFilter(json, "account_data", "account_data"),
                Room = room,
            };
            return true;
        }
        catch (FilterException e)
        {
            error = new FilterError(e.Errcode, e.Message);
            return false;
        }
    }

    /// <summary>Parses a standalone RoomEventFilter (the <c>filter</c> query parameter of /messages and /context).</summary>
    public static bool TryParseRoomEventFilter(JsonElement json, [NotNullWhen(true)] out EventFilter? filter, [NotNullWhen(false)] out FilterError? error)
    {
        filter = null;
        error = null;
        try
        {
            if (json.ValueKind != JsonValueKind.Object)
            {
                throw new FilterException("M_BAD_JSON", "A filter must be a JSON object.");
            }
            filter = ParseEventFilterObject(json, "filter");
            return true;
        }
        catch (FilterException e)
        {
            error = new FilterError(e.Errcode, e.Message);
            return false;
        }
    }

    private static EventFilter ParseEventFilter(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var f) || f.ValueKind == JsonValueKind.Null)
        {
            return EventFilter.All;
        }
        if (f.ValueKind != JsonValueKind.Object)
        {
            throw new FilterException("M_BAD_JSON", $"{path} must be an object.");
        }
        return ParseEventFilterObject(f, path);
    }

    private static EventFilter ParseEventFilterObject(JsonElement f, string path)
    {
        int? limit = null;
        if (f.TryGetProperty("limit", out var l) && l.ValueKind != JsonValueKind.Null)
        {
            if (l.ValueKind != JsonValueKind.Number || !l.TryGetInt64(out long value))
            {
                throw new FilterException("M_BAD_JSON", $"{path}.limit must be an integer.");
            }
            if (value <= 0)
            {
                throw new FilterException("M_INVALID_PARAM", $"{path}.limit must be greater than 0.");
            }
            limit = (int)Math.Min(value, MaxLimit);
        }
        return new EventFilter
        {
            Limit = limit,
            Types = StringList(f, "types", $"{path}.types", null),
            NotTypes = StringList(f, "not_types", $"{path}.not_types", null),
            Senders = StringList(f, "senders", $"{path}.senders", '@'),
            NotSenders = StringList(f, "not_senders", $"{path}.not_senders", '@'),
            Rooms = StringList(f, "rooms", $"{path}.rooms", '!'),
            NotRooms = StringList(f, "not_rooms", $"{path}.not_rooms", '!'),
            ContainsUrl = OptionalBool(f, "contains_url", $"{path}.contains_url"),
            LazyLoadMembers = OptionalBool(f, "lazy_load_members", $"{path}.lazy_load_members") ?? false,
            IncludeRedundantMembers = OptionalBool(f, "include_redundant_members", $"{path}.include_redundant_members") ?? false,
            UnreadThreadNotifications = OptionalBool(f, "unread_thread_notifications", $"{path}.unread_thread_notifications") ?? false,
        };
    }

    private static string[]? StringList(JsonElement parent, string name, string path, char? sigil)
    {
        if (!parent.TryGetProperty(name, out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new FilterException("M_BAD_JSON", $"{path} must be an array of strings.");
        }
        var result = new string[list.GetArrayLength()];
        int i = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw new FilterException("M_BAD_JSON", $"{path} must be an array of strings.");
            }
            string value = item.GetString()!;
            if (sigil is char s && (value.Length == 0 || value[0] != s))
            {
                throw new FilterException("M_INVALID_PARAM", $"{path} entries must start with '{s}'.");
            }
            result[i++] = value;
        }
        return result;
    }

    private static bool? OptionalBool(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var b) || b.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return b.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new FilterException("M_BAD_JSON", $"{path} must be a boolean."),
        };
    }

    private static string? OptionalString(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var s) || s.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return s.ValueKind == JsonValueKind.String ? s.GetString() : throw new FilterException("M_BAD_JSON", $"{name} must be a string.");
    }

    private sealed class FilterException(string errcode, string message) : Exception(message)
    {
        public string Errcode { get; } = errcode;
    }
}

/// <summary>Why a filter was refused: the spec errcode and a message naming the field.</summary>
public sealed record FilterError(string Errcode, string Message);
