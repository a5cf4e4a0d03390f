using System.Text.Json;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;
using Myelin.Storage.Streams;

namespace Myelin.Storage.State;

/// <summary>
/// Maintains <c>room_current_state</c> and the membership tables inside the event-persisting
/// transaction: only the keys that differ between the old and new current state group are written.
/// </summary>
internal static class CurrentState
{
    public static async Task AdvanceAsync(DbSession db, RoomId roomId, StateGroupId newGroup, StreamPosition position)
    {
        long? old = await db.ScalarInt64Async("SELECT state_group FROM room_current_state_group WHERE room_id = @room_id", ("room_id", roomId.Value));
        var oldGroup = old is { } o ? new StateGroupId(o) : (StateGroupId?)null;
        if (oldGroup == newGroup)
        {
            return;
        }
        var changes = await StateGroups.DiffAsync(db, oldGroup, newGroup);
        var memberEvents = new List<(UserId User, EventId? EventId)>();
        foreach (var (key, eventId) in changes)
        {
            if (eventId is { } id)
            {
                await db.ExecuteAsync(
                    "INSERT INTO room_current_state (room_id, type, state_key, event_id) VALUES (@room_id, @type, @state_key, @event_id) " +
                    "ON CONFLICT (room_id, type, state_key) DO UPDATE SET event_id = excluded.event_id",
                    ("room_id", roomId.Value), ("type", key.Type), ("state_key", key.Key), ("event_id", id.Value));
            }
            else
            {
                await db.ExecuteAsync(
                    "DELETE FROM room_current_state WHERE room_id = @room_id AND type = @type AND state_key = @state_key",
                    ("room_id", roomId.Value), ("type", key.Type), ("state_key", key.Key));
            }
            if (key.Type == EventTypes.Member && UserId.TryParse(key.Key, out var user))
            {
                memberEvents.Add((user, eventId));
            }
        }
        await db.ExecuteAsync(
            "INSERT INTO room_current_state_group (room_id, state_group) VALUES (@room_id, @group) " +
            "ON CONFLICT (room_id) DO UPDATE SET state_group = excluded.state_group",
            ("room_id", roomId.Value), ("group", newGroup.Value));
        foreach (var (user, eventId) in memberEvents)
        {
            await UpdateMembershipAsync(db, roomId, user, eventId, position);
        }
    }

    /// <summary>Records <paramref name="eventId"/> (a stored member event) as the user's membership of the room at <paramref name="position"/>.</summary>
    public static Task RecordMembershipAsync(DbSession db, RoomId roomId, UserId user, EventId eventId, StreamPosition position) =>
        UpdateMembershipAsync(db, roomId, user, eventId, position);

    private static async Task UpdateMembershipAsync(DbSession db, RoomId roomId, UserId user, EventId? eventId, StreamPosition position)
    {
        string membership = "leave";
        if (eventId is { } id)
        {
            var json = await db.ScalarAsync("SELECT json FROM events WHERE event_id = @id", ("id", id.Value)) as byte[];
            membership = ReadMembership(json) ?? "leave";
        }
        else
        {
            // The member key left the state (only possible via a resolved state): treat as "leave" with no event.
            await db.ExecuteAsync("DELETE FROM room_memberships WHERE room_id = @room_id AND user_id = @user_id", ("room_id", roomId.Value), ("user_id", user.Value));
            return;
        }
        await db.ExecuteAsync(
            "INSERT INTO room_memberships (room_id, user_id, membership, event_id, stream_ordering) VALUES (@room_id, @user_id, @membership, @event_id, @stream) " +
            "ON CONFLICT (room_id, user_id) DO UPDATE SET membership = excluded.membership, event_id = excluded.event_id, stream_ordering = excluded.stream_ordering",
            ("room_id", roomId.Value), ("user_id", user.Value), ("membership", membership), ("event_id", id.Value), ("stream", position.Value));
        await db.ExecuteAsync(
            "INSERT INTO room_membership_changes (room_id, user_id, stream_ordering, membership, event_id) VALUES (@room_id, @user_id, @stream, @membership, @event_id) " +
            "ON CONFLICT (room_id, user_id, stream_ordering) DO UPDATE SET membership = excluded.membership, event_id = excluded.event_id",
            ("room_id", roomId.Value), ("user_id", user.Value), ("stream", position.Value), ("membership", membership), ("event_id", id.Value));
    }

    /// <summary>spec: client-server "m.room.member" content.membership.</summary>
    private static string? ReadMembership(byte[]? json)
    {
        if (json is null)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Object
                && content.TryGetProperty("membership", out var membership) && membership.ValueKind == JsonValueKind.String
                ? membership.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
