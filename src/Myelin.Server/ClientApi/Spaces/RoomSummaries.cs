using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Rooms;
using Myelin.Server.Visibility;

namespace Myelin.Server.ClientApi.Spaces;

/// <summary>
/// Summaries of local rooms (spec: client-server definitions/room_summary.yaml) and whether a user may preview
/// one (spec: space_hierarchy "rooms": member, invited, public/knock join rule, world-readable, or restricted
/// with a membership of an allowed room).
/// </summary>
public sealed class RoomSummaries
{
    private readonly RoomEventWriter _writer;
    private readonly RoomEvents _events;

    public RoomSummaries(RoomEventWriter writer, RoomEvents events)
    {
        _writer = writer;
        _events = events;
    }

    /// <summary>The room's current state, or null for a room this server does not have.</summary>
    public async Task<IReadOnlyDictionary<StateKey, Pdu>?> GetStateAsync(RoomId roomId, CancellationToken cancellationToken) =>
        await _events.GetRoomVersionAsync(roomId, cancellationToken) is null ? null : await _writer.GetCurrentStateAsync(roomId, cancellationToken);

    public async Task<bool> CanPreviewAsync(UserId user, RoomId roomId, IReadOnlyDictionary<StateKey, Pdu> state, CancellationToken cancellationToken)
    {
        string? membership = Str(state, EventTypes.Member, user.Value, "membership");
        if (membership is Membership.Join or Membership.Invite)
        {
            return true;
        }
        if (membership == Membership.Ban)
        {
            return false;
        }
        if (HistoryVisibilityValues.Normalize(Str(state, EventTypes.HistoryVisibility, "", "history_visibility")) == HistoryVisibilityValues.WorldReadable)
        {
            return true;
        }
        string joinRule = Str(state, EventTypes.JoinRules, "", "join_rule") ?? JoinRules.Invite;
        if (joinRule is JoinRules.Public or JoinRules.Knock or JoinRules.KnockRestricted)
        {
            return true;
        }
        if (joinRule == JoinRules.Restricted)
        {
            foreach (var allowed in AllowedRoomIds(state))
            {
                var m = await _events.Database.Memberships.GetMembershipAsync(allowed, user, cancellationToken);
                if (m is { Membership: Membership.Join })
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>The room summary fields of a room (without children_state).</summary>
    public async Task<JsonObject> SummarizeAsync(RoomId roomId, IReadOnlyDictionary<StateKey, Pdu> state, CancellationToken cancellationToken)
    {
        var version = await _events.GetRoomVersionAsync(roomId, cancellationToken);
        long joined = await _events.Database.Memberships.CountMembersAsync(roomId, Membership.Join, cancellationToken);
        string joinRule = Str(state, EventTypes.JoinRules, "", "join_rule") ?? JoinRules.Invite;
        var summary = new JsonObject
        {
            ["room_id"] = roomId.Value,
            ["num_joined_members"] = joined,
            ["world_readable"] = HistoryVisibilityValues.Normalize(Str(state, EventTypes.HistoryVisibility, "", "history_visibility")) == HistoryVisibilityValues.WorldReadable,
            ["guest_can_join"] = Str(state, EventTypes.GuestAccess, "", "guest_access") == "can_join",
            ["join_rule"] = joinRule,
        };
        Add(summary, "name", Str(state, EventTypes.Name, "", "name"));
        Add(summary, "topic", Str(state, EventTypes.Topic, "", "topic"));
        Add(summary, "avatar_url", Str(state, EventTypes.Avatar, "", "url"));
        Add(summary, "canonical_alias", Str(state, EventTypes.CanonicalAlias, "", "alias"));
        Add(summary, "room_type", Str(state, EventTypes.Create, "", "type"));
        Add(summary, "encryption", Str(state, EventTypes.Encryption, "", "algorithm"));
        Add(summary, "room_version", version?.Id);
        if (joinRule is JoinRules.Restricted or JoinRules.KnockRestricted)
        {
            summary["allowed_room_ids"] = new JsonArray([.. AllowedRoomIds(state).Select(r => (JsonNode?)r.Value)]);
        }
        return summary;
    }

    /// <summary>The room IDs in the join rules' <c>allow</c> list (type <c>m.room_membership</c>).</summary>
    private static IEnumerable<RoomId> AllowedRoomIds(IReadOnlyDictionary<StateKey, Pdu> state)
    {
        if (!state.TryGetValue(new StateKey(EventTypes.JoinRules, ""), out var rules) || rules.Content.ValueKind != JsonValueKind.Object
            || !rules.Content.TryGetProperty("allow", out var allow) || allow.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }
        foreach (var entry in allow.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                && type.GetString() == "m.room_membership" && entry.TryGetProperty("room_id", out var id) && id.ValueKind == JsonValueKind.String
                && RoomId.TryParse(id.GetString(), out var roomId))
            {
                yield return roomId;
            }
        }
    }

    /// <summary>A string property of the content of a state event with an empty state key (null when absent or not a string).</summary>
    public static string? ReadString(IReadOnlyDictionary<StateKey, Pdu> state, string type, string property) => Str(state, type, "", property);

    private static void Add(JsonObject target, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            target[name] = value;
        }
    }

    private static string? Str(IReadOnlyDictionary<StateKey, Pdu> state, string type, string stateKey, string property) =>
        state.TryGetValue(new StateKey(type, stateKey), out var pdu) && pdu.Content.ValueKind == JsonValueKind.Object
        && pdu.Content.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
