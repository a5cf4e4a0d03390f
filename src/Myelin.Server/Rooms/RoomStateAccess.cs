using System.Text.Json;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Http;
using Myelin.Storage.Memberships;

namespace Myelin.Server.Rooms;

/// <summary>
/// Which room state and events a user may read. Joined members read the current state; former members read
/// the state as it was when they left (or were kicked or banned); anyone reads a <c>world_readable</c> room.
/// spec: client-server "GET /rooms/{roomId}/state", "History visibility".
/// </summary>
public sealed class RoomStateAccess
{
    private readonly RoomEvents _events;

    public RoomStateAccess(RoomEvents events) => _events = events;

    /// <summary>
    /// The state (type, state_key → event ID) the user may read, or <c>403 M_FORBIDDEN</c> for a user who never was a
    /// member of a room that is not world-readable. An unknown room is forbidden too, so room IDs do not leak.
    /// </summary>
    public async Task<IReadOnlyDictionary<StateKey, EventId>> GetReadableStateAsync(UserId user, RoomId roomId, CancellationToken cancellationToken)
    {
        var database = _events.Database;
        var membership = await database.Memberships.GetMembershipAsync(roomId, user, cancellationToken);
        if (membership?.Membership == Membership.Join)
        {
            return await database.State.GetCurrentStateAsync(roomId, cancellationToken);
        }
        if (membership is { Membership: Membership.Leave or Membership.Ban } &&
            await WasEverJoinedAsync(roomId, user, membership, cancellationToken) &&
            await database.State.GetStateAfterEventAsync(membership.EventId, cancellationToken) is { } atLeave)
        {
            return atLeave;
        }
        if (await IsWorldReadableAsync(roomId, cancellationToken))
        {
            return await database.State.GetCurrentStateAsync(roomId, cancellationToken);
        }
        throw MatrixException.Forbidden($"You are not a member of {roomId} and were not one before.");
    }

    /// <summary>Throws <c>403 M_FORBIDDEN</c> unless the user is currently joined to the room.</summary>
    public async Task RequireJoinedAsync(UserId user, RoomId roomId, CancellationToken cancellationToken)
    {
        var membership = await _events.Database.Memberships.GetMembershipAsync(roomId, user, cancellationToken);
        if (membership?.Membership != Membership.Join)
        {
            throw MatrixException.Forbidden($"You are not joined to {roomId}.");
        }
    }

    /// <summary>Whether the room's current <c>m.room.history_visibility</c> is <c>world_readable</c>.</summary>
    public async Task<bool> IsWorldReadableAsync(RoomId roomId, CancellationToken cancellationToken)
    {
        var id = await _events.Database.State.GetCurrentStateEventIdAsync(roomId, new StateKey(EventTypes.HistoryVisibility, ""), cancellationToken);
        return id is { } hvId && await _events.GetPduAsync(hvId, cancellationToken) is { } hv &&
            ReadString(hv.Content, "history_visibility") == "world_readable";
    }

    /// <summary>
    /// Whether the user was joined at some point before their current leave or ban: a rejected invite or a
    /// withdrawn knock never gave access to the room's state. Walks back through their earlier member events.
    /// </summary>
    private async Task<bool> WasEverJoinedAsync(RoomId roomId, UserId user, MembershipRecord current, CancellationToken cancellationToken)
    {
        _ = roomId;
        var memberEvent = current.EventId;
        // Bounded: a user with more membership changes than this is treated as a former member anyway.
        for (int i = 0; i < 200; i++)
        {
            var before = await _events.Database.State.GetStateBeforeEventAsync(memberEvent, cancellationToken);
            if (before is null || !before.TryGetValue(new StateKey(EventTypes.Member, user.Value), out var previousId))
            {
                return false;
            }
            var previous = await _events.GetPduAsync(previousId, cancellationToken);
            if (ReadString(previous?.Content, "membership") == Membership.Join)
            {
                return true;
            }
            memberEvent = previousId;
        }
        return true;
    }

    private static string? ReadString(JsonElement? content, string name) =>
        content is { ValueKind: JsonValueKind.Object } c && c.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
