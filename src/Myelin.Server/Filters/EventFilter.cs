using System.Text.Json;

namespace Myelin.Server.Filters;

/// <summary>
/// An <c>EventFilter</c> / <c>RoomEventFilter</c>: which events of a list to keep.
/// spec: client-server "Filtering", openapi definitions/event_filter.yaml and room_event_filter.yaml.
/// </summary>
public sealed class EventFilter
{
    public static readonly EventFilter All = new();

    public int? Limit { get; init; }
    public IReadOnlyList<string>? Types { get; init; }
    public IReadOnlyList<string>? NotTypes { get; init; }
    public IReadOnlyList<string>? Senders { get; init; }
    public IReadOnlyList<string>? NotSenders { get; init; }
    public IReadOnlyList<string>? Rooms { get; init; }
    public IReadOnlyList<string>? NotRooms { get; init; }
    public bool? ContainsUrl { get; init; }
    public bool LazyLoadMembers { get; init; }
    public bool IncludeRedundantMembers { get; init; }
    public bool UnreadThreadNotifications { get; init; }

    /// <summary>Whether the event of this type, sender and room passes the filter (ignores <see cref="Limit"/>).</summary>
    public bool Matches(string type, string sender, string? roomId = null, JsonElement content = default)
    {
        if (NotTypes is not null && NotTypes.Any(p => TypeMatches(p, type)))
        {
            return false;
        }
        if (Types is not null && !Types.Any(p => TypeMatches(p, type)))
        {
            return false;
        }
        if (NotSenders is not null && NotSenders.Contains(sender, StringComparer.Ordinal))
        {
            return false;
        }
        if (Senders is not null && !Senders.Contains(sender, StringComparer.Ordinal))
        {
            return false;
        }
        if (roomId is not null && !MatchesRoom(roomId))
        {
            return false;
        }
        if (ContainsUrl is bool wantUrl)
        {
            bool hasUrl = content.ValueKind == JsonValueKind.Object && content.TryGetProperty("url", out _);
            if (hasUrl != wantUrl)
            {
                return false;
            }
        }
        return true;
    }

    public bool MatchesRoom(string roomId) =>
        (NotRooms is null || !NotRooms.Contains(roomId, StringComparer.Ordinal)) &&
        (Rooms is null || Rooms.Contains(roomId, StringComparer.Ordinal));

    /// <summary>Type patterns may use <c>*</c> for any sequence of characters.</summary>
    internal static bool TypeMatches(string pattern, string type)
    {
        int star = pattern.IndexOf('*', StringComparison.Ordinal);
        if (star < 0)
        {
            return string.Equals(pattern, type, StringComparison.Ordinal);
        }
        return Glob(pattern.AsSpan(), type.AsSpan());
    }

    private static bool Glob(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        // Iterative wildcard match with backtracking to the last '*': linear in practice, no regex.
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
            }
            else if (p < pattern.Length && pattern[p] == text[t])
            {
                p++;
                t++;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }
}
