using System.Text.Json;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Authorization;

/// <summary>
/// Which pieces of room state authorise a new event: the server uses it to fill <c>auth_events</c> when it creates
/// an event, and the auth rules use it to check received <c>auth_events</c>.
/// spec: server-server "Auth events selection".
/// </summary>
public static class AuthEventSelection
{
    /// <summary>The state keys whose current events are an event's auth events (whether or not they exist).</summary>
    public static IReadOnlyList<StateKey> SelectKeys(RoomVersion version, string type, string? stateKey, UserId sender, JsonElement content)
    {
        if (type == EventTypes.Create && stateKey == "")
        {
            return [];
        }
        var keys = new List<StateKey>(6);
        // spec: rooms/v12 — m.room.create MUST NOT be selected; the room ID implies it.
        if (!version.RoomIdIsCreateEventHash)
        {
            keys.Add(new StateKey(EventTypes.Create, ""));
        }
        keys.Add(new StateKey(EventTypes.PowerLevels, ""));
        keys.Add(new StateKey(EventTypes.Member, sender.Value));

        if (type == EventTypes.Member && stateKey is not null)
        {
            var target = new StateKey(EventTypes.Member, stateKey);
            if (!keys.Contains(target))
            {
                keys.Add(target);
            }
            string? membership = ReadString(content, "membership");
            if (membership is Membership.Join or Membership.Invite or Membership.Knock)
            {
                keys.Add(new StateKey(EventTypes.JoinRules, ""));
            }
            if (membership == Membership.Invite
                && content.ValueKind == JsonValueKind.Object
                && content.TryGetProperty("third_party_invite", out var thirdParty)
                && thirdParty.ValueKind == JsonValueKind.Object
                && thirdParty.TryGetProperty("signed", out var signed)
                && ReadString(signed, "token") is { } token)
            {
                keys.Add(new StateKey(EventTypes.ThirdPartyInvite, token));
            }
            if (membership == Membership.Join
                && version.AllowRestrictedJoins
                && ReadString(content, "join_authorised_via_users_server") is { } authoriser)
            {
                var authoriserKey = new StateKey(EventTypes.Member, authoriser);
                if (!keys.Contains(authoriserKey))
                {
                    keys.Add(authoriserKey);
                }
            }
        }
        return keys;
    }

    /// <summary>The auth events for a new event: the current state's events under <see cref="SelectKeys"/>.</summary>
    public static IReadOnlyList<EventId> Select(
        RoomVersion version, string type, string? stateKey, UserId sender, JsonElement content,
        IReadOnlyDictionary<StateKey, EventId> currentState)
    {
        var ids = new List<EventId>(6);
        foreach (var key in SelectKeys(version, type, stateKey, sender, content))
        {
            if (currentState.TryGetValue(key, out var id))
            {
                ids.Add(id);
            }
        }
        return ids;
    }

    private static string? ReadString(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
