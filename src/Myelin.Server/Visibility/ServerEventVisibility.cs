using System.Text.Json;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Http;
using Myelin.Server.Rooms;
using Myelin.Storage.Events;

namespace Myelin.Server.Visibility;

/// <summary>
/// What a remote server may read of a room: whether it is in the room at all (the gate of the federation read
/// endpoints) and, per event, whether history visibility lets its users see the event — evaluated for the requesting
/// server's users in the state at the event. spec: server-server "Retrieving events"/"Backfilling", client-server
/// "Room History Visibility" (<c>world_readable</c>, <c>shared</c>, <c>invited</c>, <c>joined</c>). Events a server may
/// not see are served redacted (as Synapse's <c>filter_events_for_server</c> does), so the DAG stays walkable.
/// </summary>
public sealed class ServerEventVisibility
{
    private static readonly StateKey VisibilityKey = new(EventTypes.HistoryVisibility, "");

    private readonly RoomEvents _events;

    public ServerEventVisibility(RoomEvents events) => _events = events;

    /// <summary>Whether any user of <paramref name="server"/> is joined to the room in its current state.</summary>
    public async Task<bool> IsServerJoinedAsync(RoomId roomId, ServerName server, CancellationToken cancellationToken = default)
    {
        var members = await GetServerMembershipsAsync(roomId, server, cancellationToken);
        return members.Values.Contains(Membership.Join);
    }

    /// <summary>
    /// The gate of the read endpoints: <paramref name="server"/> may read the room if one of its users is joined now,
    /// or was joined at (before or after) one of <paramref name="atEvents"/>, or the room is currently world-readable.
    /// Otherwise (also for a room we do not know) 403 <c>M_FORBIDDEN</c>.
    /// </summary>
    public async Task EnsureMayReadRoomAsync(RoomId roomId, ServerName server, IReadOnlyList<StoredEvent> atEvents, CancellationToken cancellationToken = default)
    {
        if (await _events.GetRoomVersionAsync(roomId, cancellationToken) is null)
        {
            throw MatrixException.Forbidden("Host not in room.");
        }
        var current = await GetServerMembershipsAsync(roomId, server, cancellationToken);
        if (current.Values.Contains(Membership.Join))
        {
            return;
        }
        if (atEvents.Count > 0 && current.Count > 0)
        {
            var keys = current.Keys.Select(u => new StateKey(EventTypes.Member, u.Value)).ToList();
            var states = await _events.Database.State.GetStateBeforeEventsAsync(atEvents.Select(e => e.EventId).ToList(), keys, cancellationToken);
            var referenced = states.Values.SelectMany(s => s.Values).Distinct().ToList();
            var pdus = await _events.GetPdusAsync(referenced, cancellationToken);
            foreach (var e in atEvents)
            {
                if (states.TryGetValue(e.EventId, out var state)
                    && state.Values.Any(id => pdus.TryGetValue(id, out var member) && ReadString(member.Content, "membership") == Membership.Join))
                {
                    return;
                }
                // The state after a server's own join includes the join.
                if (e.Type == EventTypes.Member && e.StateKey is { } key && UserId.TryParse(key, out var user) && user.Server == server
                    && await _events.GetPduAsync(e.EventId, cancellationToken) is { } pdu && ReadString(pdu.Content, "membership") == Membership.Join)
                {
                    return;
                }
            }
        }
        if (await GetCurrentVisibilityAsync(roomId, cancellationToken) == HistoryVisibilityValues.WorldReadable)
        {
            return;
        }
        throw MatrixException.Forbidden("Host not in room.");
    }

    /// <summary>
    /// For each of <paramref name="events"/> (all in <paramref name="roomId"/>), whether <paramref name="server"/>'s users
    /// may see it: <c>world_readable</c> always; <c>shared</c> when the server has been in the room (a user of it is
    /// joined now or has left/been banned since joining — "joined later" seen from the event); <c>invited</c> when one
    /// of its users was invited or joined at the event; <c>joined</c> when one was joined. The state before and after
    /// the event both count (the server's own join is visible to it; so is a history visibility change it may see
    /// either side of). Events with no known state (outliers) use the defaults: <c>shared</c>, no members.
    /// </summary>
    public async Task<IReadOnlyList<bool>> CheckVisibleAsync(RoomId roomId, ServerName server, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken = default)
    {
        var result = new bool[events.Count];
        if (events.Count == 0)
        {
            return result;
        }
        var current = await GetServerMembershipsAsync(roomId, server, cancellationToken);
        bool hasBeenInRoom = current.Values.Any(m => m is Membership.Join or Membership.Leave or Membership.Ban);
        var keys = new List<StateKey>(current.Count + 1) { VisibilityKey };
        keys.AddRange(current.Keys.Select(u => new StateKey(EventTypes.Member, u.Value)));
        var states = await _events.Database.State.GetStateBeforeEventsAsync(events.Select(e => e.EventId).ToList(), keys, cancellationToken);
        var pdus = await _events.GetPdusAsync(states.Values.SelectMany(s => s.Values).Concat(events.Select(e => e.EventId)).Distinct().ToList(), cancellationToken);

        for (int i = 0; i < events.Count; i++)
        {
            var e = events[i];
            states.TryGetValue(e.EventId, out var state);
            string visibility = HistoryVisibilityValues.Shared;
            var memberships = new Dictionary<string, string?>(StringComparer.Ordinal);
            if (state is not null)
            {
                foreach (var (key, id) in state)
                {
                    if (!pdus.TryGetValue(id, out var stateEvent))
                    {
                        continue;
                    }
                    if (key == VisibilityKey)
                    {
                        visibility = HistoryVisibilityValues.Normalize(ReadString(stateEvent.Content, "history_visibility"));
                    }
                    else
                    {
                        memberships[key.Key] = ReadString(stateEvent.Content, "membership");
                    }
                }
            }
            bool visible = IsAllowed(visibility, memberships.Values, hasBeenInRoom);
            if (!visible && e.StateKey is not null && pdus.TryGetValue(e.EventId, out var self))
            {
                // The state after the event: the event itself replaces its own key.
                if (e.Type == EventTypes.HistoryVisibility && e.StateKey.Length == 0)
                {
                    visible = IsAllowed(HistoryVisibilityValues.Normalize(ReadString(self.Content, "history_visibility")), memberships.Values, hasBeenInRoom);
                }
                else if (e.Type == EventTypes.Member && UserId.TryParse(e.StateKey, out var target) && target.Server == server)
                {
                    memberships[e.StateKey] = ReadString(self.Content, "membership");
                    visible = IsAllowed(visibility, memberships.Values, hasBeenInRoom);
                }
            }
            result[i] = visible;
        }
        return result;
    }

    /// <summary>The history visibility rules for a server whose users have <paramref name="memberships"/> at the event.</summary>
    public static bool IsAllowed(string visibility, IEnumerable<string?> memberships, bool hasBeenInRoom) => visibility switch
    {
        HistoryVisibilityValues.WorldReadable => true,
        HistoryVisibilityValues.Shared => hasBeenInRoom || memberships.Contains(Membership.Join),
        HistoryVisibilityValues.Invited => memberships.Any(m => m is Membership.Join or Membership.Invite),
        _ => memberships.Contains(Membership.Join),
    };

    /// <summary>The current membership of each user of <paramref name="server"/> that has a member event in the room's current state.</summary>
    private async Task<Dictionary<UserId, string?>> GetServerMembershipsAsync(RoomId roomId, ServerName server, CancellationToken cancellationToken)
    {
        var state = await _events.Database.State.GetCurrentStateAsync(roomId, cancellationToken);
        var ids = new Dictionary<EventId, UserId>();
        foreach (var (key, id) in state)
        {
            if (key.Type == EventTypes.Member && UserId.TryParse(key.Key, out var user) && user.Server == server)
            {
                ids[id] = user;
            }
        }
        var result = new Dictionary<UserId, string?>();
        if (ids.Count == 0)
        {
            return result;
        }
        var pdus = await _events.GetPdusAsync(ids.Keys, cancellationToken);
        foreach (var (id, user) in ids)
        {
            result[user] = pdus.TryGetValue(id, out var pdu) ? ReadString(pdu.Content, "membership") : null;
        }
        return result;
    }

    private async Task<string> GetCurrentVisibilityAsync(RoomId roomId, CancellationToken cancellationToken)
    {
        var eventId = await _events.Database.State.GetCurrentStateEventIdAsync(roomId, VisibilityKey, cancellationToken);
        var pdu = eventId is null ? null : await _events.GetPduAsync(eventId.Value, cancellationToken);
        return HistoryVisibilityValues.Normalize(pdu is null ? null : ReadString(pdu.Content, "history_visibility"));
    }

    private static string? ReadString(JsonElement content, string property) =>
        content.ValueKind == JsonValueKind.Object && content.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
