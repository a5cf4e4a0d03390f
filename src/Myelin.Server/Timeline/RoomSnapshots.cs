using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Events;
using Myelin.Server.Presence;
using Myelin.Server.Receipts;
using Myelin.Server.Streams;
using Myelin.Server.Visibility;
using Myelin.Storage;
using Myelin.Storage.Events;
using Myelin.Storage.Memberships;
using Myelin.Storage.Receipts;

namespace Myelin.Server.Timeline;

/// <summary>
/// The room snapshots of the deprecated initial sync APIs (spec: old_sync.yaml "RoomInfo", room_initial_sync.yaml): the
/// room's state and latest messages as the user may see them. Joined users and peekers of world-readable rooms see the
/// room as of the sync token; users who left or were banned see it as it was when they left.
/// </summary>
public sealed class RoomSnapshots
{
    private readonly MyelinDatabase _database;
    private readonly RoomTimeline _timeline;
    private readonly HistoryVisibility _visibility;
    private readonly ClientEvents _clientEvents;
    private readonly PresenceTracker _presence;
    private readonly TimeProvider _time;

    public RoomSnapshots(RoomTimeline timeline, HistoryVisibility visibility, ClientEvents clientEvents, PresenceTracker presence, TimeProvider time)
    {
        _timeline = timeline;
        _database = timeline.Events.Database;
        _visibility = visibility;
        _clientEvents = clientEvents;
        _presence = presence;
        _time = time;
    }

    /// <summary>
    /// The snapshot of <paramref name="roomId"/> for <paramref name="requester"/>, or null when they may not see it
    /// (never joined and the room is not world-readable). <paramref name="now"/> bounds the messages of a current view
    /// so that <c>/events?from=now</c> continues exactly after them. With <paramref name="includeEphemeral"/> the room's
    /// presence and receipts are added (the room initial sync's fields).
    /// </summary>
    public async Task<JsonObject?> BuildAsync(Requester requester, RoomId roomId, MembershipRecord? membership, int limit, SyncToken now,
        bool includeEphemeral, CancellationToken cancellationToken)
    {
        var user = requester.UserId;
        // spec: "POST /rooms/{roomId}/forget": a forgotten room's history is no longer retrievable by its former member.
        bool departed = membership is { Membership: Membership.Leave or Membership.Ban }
            && !await _database.ForgottenRooms.IsForgottenAsync(user, roomId, cancellationToken);
        if (membership is not { Membership: Membership.Join } && !departed
            && await _visibility.GetCurrentVisibilityAsync(roomId, cancellationToken) != HistoryVisibilityValues.WorldReadable)
        {
            return null;
        }

        IReadOnlyList<StoredEvent> state;
        TopologicalToken from;
        string end;
        if (departed)
        {
            // spec: "If the user has left the room ... the state of the room when they left it" and the messages before.
            var leave = await _database.Events.GetEventAsync(membership!.EventId, cancellationToken);
            if (leave is null)
            {
                return null;
            }
            state = await _timeline.GetStateAfterAsync(leave.EventId, cancellationToken);
            // Backwards pagination is exclusive of its start: one past the leave event includes it.
            from = new TopologicalToken(leave.Depth, leave.StreamPosition.Value + 1);
            end = leave.TopologicalToken.ToString();
        }
        else
        {
            state = (await _database.State.GetCurrentStateEventsAsync(roomId, null, cancellationToken))
                .OrderBy(e => e.Type, StringComparer.Ordinal).ThenBy(e => e.StateKey, StringComparer.Ordinal).ToList();
            end = now.ToString();
            from = await TimelineTokens.ResolveAsync(_database, roomId, end, asUpperBound: true, cancellationToken) ?? TopologicalToken.End;
        }

        var page = await _timeline.PaginateAsync(user, roomId, from, PaginationDirection.Backwards, limit, null, null, cancellationToken);
        var chronological = page.Events.Reverse().ToList();
        var messages = new JsonObject
        {
            ["chunk"] = ClientEvents.ToJsonArray(await _clientEvents.SerializeAsync(chronological, requester, includeRoomId: true, null, cancellationToken)),
            ["end"] = end,
        };
        if (page.End is { } start)
        {
            // spec: start may be omitted when no earlier events are available.
            messages["start"] = start.ToString();
        }

        var room = await _database.Rooms.GetAsync(roomId, cancellationToken);
        var snapshot = new JsonObject
        {
            ["room_id"] = roomId.Value,
            ["membership"] = membership?.Membership ?? Membership.Leave,
            ["messages"] = messages,
            ["state"] = ClientEvents.ToJsonArray(await _clientEvents.SerializeAsync(state, requester, includeRoomId: true, null, cancellationToken)),
            ["visibility"] = room is { IsPublic: true } ? "public" : "private",
            ["account_data"] = await GetAccountDataAsync(user, roomId, cancellationToken),
        };
        if (includeEphemeral)
        {
            bool current = !departed;
            snapshot["presence"] = current ? PresenceEvents(await _database.Memberships.GetMembersAsync(roomId, Membership.Join, cancellationToken)) : new JsonArray();
            snapshot["receipts"] = current ? await GetReceiptsAsync(user, roomId, cancellationToken) : new JsonArray();
        }
        return snapshot;
    }

    /// <summary><c>m.presence</c> events of those <paramref name="users"/> whose presence is known.</summary>
    public JsonArray PresenceEvents(IEnumerable<UserId> users)
    {
        var result = new JsonArray();
        if (!_presence.Enabled)
        {
            return result;
        }
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var user in users)
        {
            if (_presence.Get(user) is not { } status)
            {
                continue;
            }
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                PresenceTracker.WriteEvent(writer, status, now);
            }
            result.Add(JsonNode.Parse(buffer.ToArray()));
        }
        return result;
    }

    /// <summary>Account data entries as <c>{type, content}</c> events: the room's (<paramref name="roomId"/>) or the global ones (null).</summary>
    public async Task<JsonArray> GetAccountDataAsync(UserId user, RoomId? roomId, CancellationToken cancellationToken)
    {
        var all = await _database.AccountData.GetAllAsync(user, cancellationToken);
        return new JsonArray([.. all.Where(e => e.RoomId == roomId)
            .Select(e => (JsonNode?)new JsonObject { ["type"] = e.Type, ["content"] = JsonNode.Parse(e.Content) })]);
    }

    /// <summary>The room's receipts as one <c>m.receipt</c> event (others' private receipts and ignored users' left out).</summary>
    private async Task<JsonArray> GetReceiptsAsync(UserId user, RoomId roomId, CancellationToken cancellationToken)
    {
        var ignored = await _visibility.GetIgnoredUsersAsync(user, cancellationToken);
        var receipts = (await _database.Receipts.GetForRoomAsync(roomId, cancellationToken))
            .Where(r => (r.ReceiptType != ReceiptTypes.ReadPrivate || r.UserId == user) && !ignored.Contains(r.UserId))
            .ToList();
        return receipts.Count == 0 ? [] : [ReceiptEvent(roomId, receipts)];
    }

    /// <summary>spec: client-server "m.receipt": <c>{event_id: {receipt_type: {user_id: {ts, thread_id?}}}}</c>.</summary>
    private static JsonObject ReceiptEvent(RoomId roomId, IReadOnlyList<Receipt> receipts)
    {
        var content = new JsonObject();
        foreach (var byEvent in receipts.GroupBy(r => r.EventId))
        {
            var types = new JsonObject();
            foreach (var byType in byEvent.GroupBy(r => r.ReceiptType, StringComparer.Ordinal))
            {
                var users = new JsonObject();
                foreach (var receipt in byType)
                {
                    var entry = new JsonObject { ["ts"] = receipt.Ts };
                    if (receipt.ThreadId is not null)
                    {
                        entry["thread_id"] = receipt.ThreadId;
                    }
                    users[receipt.UserId.Value] = entry;
                }
                types[byType.Key] = users;
            }
            content[byEvent.Key.Value] = types;
        }
        return new JsonObject { ["type"] = "m.receipt", ["room_id"] = roomId.Value, ["content"] = content };
    }
}
