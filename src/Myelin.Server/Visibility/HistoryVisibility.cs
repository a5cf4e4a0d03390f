using System.Text.Json;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Rooms;
using Myelin.Storage;
using Myelin.Storage.Events;
using Myelin.Storage.Memberships;
using Myelin.Storage.Streams;

namespace Myelin.Server.Visibility;

/// <summary>
/// Decides which room events a user may see: the room's <c>m.room.history_visibility</c> and the user's
/// membership in the state at each event (spec: client-server "Room History Visibility", "Server behaviour"),
/// plus ignored users (spec: "Ignoring Users"). Works on a page of events at once: one keyed state query
/// for the page, one membership-history query, the parsed-event cache for the rest.
/// </summary>
public sealed class HistoryVisibility
{
    public const string IgnoredUserListType = "m.ignored_user_list";

    private readonly RoomEvents _events;
    private readonly MyelinDatabase _database;

    public HistoryVisibility(RoomEvents events)
    {
        _events = events;
        _database = events.Database;
    }

    /// <summary>
    /// The events among <paramref name="events"/> (all in <paramref name="roomId"/>) that <paramref name="user"/> may see,
    /// in their original order. Non-state events from users <paramref name="user"/> ignores are removed unless
    /// <paramref name="filterIgnored"/> is false; rejected, soft-failed and outlier events are never visible.
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> FilterVisibleAsync(UserId user, RoomId roomId, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken, bool filterIgnored = true)
    {
        if (events.Count == 0)
        {
            return events;
        }
        var ignored = filterIgnored ? await GetIgnoredUsersAsync(user, cancellationToken) : (IReadOnlySet<UserId>)new HashSet<UserId>();
        var candidates = new List<StoredEvent>(events.Count);
        foreach (var e in events)
        {
            if (e.RoomId != roomId || e.IsOutlier || e.IsRejected || e.IsSoftFailed)
            {
                continue;
            }
            // spec: "Ignoring Users": state events from ignored users are still sent.
            if (e.StateKey is null && e.Sender != user && ignored.Contains(e.Sender))
            {
                continue;
            }
            candidates.Add(e);
        }
        if (candidates.Count == 0)
        {
            return candidates;
        }

        var visibilityKey = new StateKey(EventTypes.HistoryVisibility, "");
        var memberKey = new StateKey(EventTypes.Member, user.Value);
        var states = await _database.State.GetStateBeforeEventsAsync(candidates.Select(e => e.EventId).ToList(), [visibilityKey, memberKey], cancellationToken);
        var referenced = states.Values.SelectMany(s => s.Values).Distinct().ToList();
        var pdus = await _events.GetPdusAsync(referenced, cancellationToken);

        // "the user joined the room at any point after the event was sent" (rule 3, shared): the user's joins
        // from the oldest candidate on. The current membership covers joins this history does not list.
        long oldest = candidates.Min(e => e.StreamPosition.Value);
        var changes = await _database.Memberships.GetMembershipChangesAsync(user, new StreamPosition(oldest - 1), new StreamPosition(long.MaxValue), cancellationToken);
        var joinPositions = changes.Where(c => c.RoomId == roomId && c.Membership == Membership.Join).Select(c => c.StreamPosition.Value).ToList();
        var current = await _database.Memberships.GetMembershipAsync(roomId, user, cancellationToken);
        if (current is { Membership: Membership.Join })
        {
            joinPositions.Add(current.StreamPosition.Value);
        }

        var visible = new List<StoredEvent>(candidates.Count);
        foreach (var e in candidates)
        {
            if (!states.TryGetValue(e.EventId, out var state))
            {
                continue; // no state known at the event: nothing proves the user may see it
            }
            string visibility = HistoryVisibilityValues.Normalize(state.TryGetValue(visibilityKey, out var hv) && pdus.TryGetValue(hv, out var hvEvent)
                ? ReadString(hvEvent.Content, "history_visibility") : null);
            string? membership = state.TryGetValue(memberKey, out var m) && pdus.TryGetValue(m, out var memberEvent)
                ? ReadString(memberEvent.Content, "membership") : null;
            bool joinedLater = joinPositions.Exists(p => p > e.StreamPosition.Value);

            bool allowed = IsAllowed(visibility, membership, joinedLater);
            if (!allowed && e.StateKey is not null)
            {
                var pdu = await _events.ToPduAsync(e, cancellationToken);
                // spec: a history_visibility event is visible if the setting before OR after it allows;
                // the user's own member event if their membership before OR after it allows.
                if (e.Type == EventTypes.HistoryVisibility && e.StateKey.Length == 0)
                {
                    allowed = IsAllowed(HistoryVisibilityValues.Normalize(ReadString(pdu.Content, "history_visibility")), membership, joinedLater);
                }
                else if (e.Type == EventTypes.Member && e.StateKey == user.Value)
                {
                    allowed = IsAllowed(visibility, ReadString(pdu.Content, "membership"), joinedLater);
                }
            }
            if (allowed)
            {
                visible.Add(e);
            }
        }
        return visible;
    }

    /// <summary>Whether <paramref name="user"/> may see the event (history visibility and ignored users).</summary>
    public async Task<bool> CanSeeEventAsync(UserId user, StoredEvent storedEvent, CancellationToken cancellationToken, bool filterIgnored = true) =>
        (await FilterVisibleAsync(user, storedEvent.RoomId, [storedEvent], cancellationToken, filterIgnored)).Count == 1;

    /// <summary>
    /// Whether the user may read the room's history at all: members, former members (up to their leave: the per-event
    /// check enforces that) and anyone when the room is currently world-readable.
    /// </summary>
    public async Task<RoomReadAccess> GetRoomAccessAsync(UserId user, RoomId roomId, CancellationToken cancellationToken)
    {
        var membership = await _database.Memberships.GetMembershipAsync(roomId, user, cancellationToken);
        if (membership is { Membership: Membership.Join })
        {
            return RoomReadAccess.Member;
        }
        if (await GetCurrentVisibilityAsync(roomId, cancellationToken) == HistoryVisibilityValues.WorldReadable)
        {
            return RoomReadAccess.WorldReadable;
        }
        return membership is { Membership: Membership.Leave or Membership.Ban or Membership.Invite } ? RoomReadAccess.FormerMember : RoomReadAccess.None;
    }

    /// <summary>The room's current history visibility (normalized; <c>shared</c> when unset).</summary>
    public async Task<string> GetCurrentVisibilityAsync(RoomId roomId, CancellationToken cancellationToken)
    {
        var eventId = await _database.State.GetCurrentStateEventIdAsync(roomId, new StateKey(EventTypes.HistoryVisibility, ""), cancellationToken);
        if (eventId is null)
        {
            return HistoryVisibilityValues.Shared;
        }
        var pdu = await _events.GetPduAsync(eventId.Value, cancellationToken);
        return HistoryVisibilityValues.Normalize(pdu is null ? null : ReadString(pdu.Content, "history_visibility"));
    }

    /// <summary>The users in the user's <c>m.ignored_user_list</c> account data (keys of <c>ignored_users</c>).</summary>
    public async Task<IReadOnlySet<UserId>> GetIgnoredUsersAsync(UserId user, CancellationToken cancellationToken)
    {
        var entry = await _database.AccountData.GetAsync(user, null, IgnoredUserListType, cancellationToken);
        var result = new HashSet<UserId>();
        if (entry is null)
        {
            return result;
        }
        try
        {
            using var document = JsonDocument.Parse(entry.Content);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("ignored_users", out var users) && users.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in users.EnumerateObject())
                {
                    if (UserId.TryParse(property.Name, out var ignored))
                    {
                        result.Add(ignored);
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Account data is validated as a JSON object on write; anything else ignores nobody.
        }
        return result;
    }

    /// <summary>spec: history_visibility "Server behaviour" rules 1–5.</summary>
    public static bool IsAllowed(string visibility, string? membership, bool joinedLater) =>
        visibility == HistoryVisibilityValues.WorldReadable
        || membership == Membership.Join
        || (visibility == HistoryVisibilityValues.Shared && joinedLater)
        || (membership == Membership.Invite && visibility == HistoryVisibilityValues.Invited);

    private static string? ReadString(JsonElement content, string property) =>
        content.ValueKind == JsonValueKind.Object && content.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
