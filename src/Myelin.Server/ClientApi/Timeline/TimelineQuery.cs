using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Filters;
using Myelin.Server.Http;
using Myelin.Server.Visibility;
using Myelin.Storage.Events;

namespace Myelin.Server.ClientApi.Timeline;

/// <summary>Parsing and checks shared by the timeline-reading endpoints; every bad value is a clear M_INVALID_PARAM.</summary>
internal static class TimelineQuery
{
    public const int MaxLimit = 1000;

    public static RoomId RoomId(string value) =>
        Protocol.Identifiers.RoomId.TryParse(value, out var id) ? id : throw MatrixException.InvalidParam($"'{value}' is not a valid room ID.");

    public static EventId EventId(string value) =>
        Protocol.Identifiers.EventId.TryParse(value, out var id) ? id : throw MatrixException.InvalidParam($"'{value}' is not a valid event ID.");

    /// <summary>An optional non-negative integer limit, clamped to <paramref name="max"/>.</summary>
    public static int Limit(HttpRequest request, int fallback, int max = MaxLimit)
    {
        string? value = request.Query["limit"];
        if (string.IsNullOrEmpty(value))
        {
            return fallback;
        }
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long limit) || limit < 0)
        {
            throw MatrixException.InvalidParam("'limit' must be a non-negative integer.");
        }
        return (int)Math.Min(limit, max);
    }

    /// <summary>The <c>dir</c> parameter: <c>b</c> or <c>f</c>; <paramref name="fallback"/> when absent (null: required).</summary>
    public static PaginationDirection Direction(HttpRequest request, PaginationDirection? fallback)
    {
        string? value = request.Query["dir"];
        return value switch
        {
            "b" => PaginationDirection.Backwards,
            "f" => PaginationDirection.Forwards,
            null or "" when fallback is { } f => f,
            null or "" => throw MatrixException.MissingParam("'dir' is required (b or f)."),
            _ => throw MatrixException.InvalidParam("'dir' must be 'b' or 'f'."),
        };
    }

    /// <summary>The <c>filter</c> parameter: a RoomEventFilter as JSON (spec: "Filtering"); null when absent.</summary>
    public static EventFilter? Filter(HttpRequest request)
    {
        string? value = request.Query["filter"];
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        JsonElement json;
        try
        {
            json = JsonDocument.Parse(value).RootElement.Clone();
        }
        catch (JsonException)
        {
            throw MatrixException.InvalidParam("'filter' is not valid JSON.");
        }
        return FilterParser.TryParseRoomEventFilter(json, out var filter, out var error)
            ? filter
            : throw new MatrixException(error.Errcode, "filter: " + error.Message, 400);
    }

    public static bool Boolean(HttpRequest request, string name)
    {
        string? value = request.Query[name];
        return value switch
        {
            null or "" or "false" => false,
            "true" => true,
            _ => throw MatrixException.InvalidParam($"'{name}' must be true or false."),
        };
    }

    /// <summary>Members (now or before), and anyone when the room is world-readable; otherwise M_FORBIDDEN.</summary>
    public static async Task<RoomReadAccess> RequireReadAccessAsync(HistoryVisibility visibility, UserId user, RoomId roomId, CancellationToken cancellationToken)
    {
        var access = await visibility.GetRoomAccessAsync(user, roomId, cancellationToken);
        return access == RoomReadAccess.None
            ? throw MatrixException.Forbidden($"{user} is not in the room {roomId} and its history is not world-readable.")
            : access;
    }
}
