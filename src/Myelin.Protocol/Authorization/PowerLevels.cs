using System.Text.Json;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Authorization;

/// <summary>
/// The power levels in force in a room, read from its <c>m.room.power_levels</c> and <c>m.room.create</c> events
/// with the spec's defaults filled in. Reading is lenient: a value that cannot be read as a level counts as absent
/// (the auth rules reject such values when the event is sent, so they only appear in old or historical rooms).
/// spec: client-server "m.room.power_levels"; rooms/v12 "room creators have infinitely high power level".
/// </summary>
public sealed class PowerLevels
{
    /// <summary>The level of a room creator in room versions with <see cref="RoomVersion.PrivilegedCreators"/>.</summary>
    public const long Infinite = long.MaxValue;

    public const long DefaultBan = 50;
    public const long DefaultKick = 50;
    public const long DefaultRedact = 50;
    public const long DefaultInvite = 0;
    public const long DefaultStateDefault = 50;
    public const long DefaultEventsDefault = 0;
    public const long DefaultUsersDefault = 0;
    public const long DefaultNotificationLevel = 50;
    /// <summary>spec: users_default note — without a power levels event the creator has 100 (v1–v11).</summary>
    public const long CreatorLevelWithoutPowerLevels = 100;

    private readonly Dictionary<string, long> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _events = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _notifications = new(StringComparer.Ordinal);
    private readonly HashSet<UserId> _creators = [];
    private readonly RoomVersion _version;

    private PowerLevels(RoomVersion version) => _version = version;

    /// <summary>Whether the room has an <c>m.room.power_levels</c> event.</summary>
    public bool HasPowerLevelsEvent { get; private init; }
    public long UsersDefault { get; private init; } = DefaultUsersDefault;
    public long EventsDefault { get; private init; } = DefaultEventsDefault;
    public long StateDefault { get; private init; } = DefaultStateDefault;
    public long Ban { get; private init; } = DefaultBan;
    public long Kick { get; private init; } = DefaultKick;
    public long Invite { get; private init; } = DefaultInvite;
    public long Redact { get; private init; } = DefaultRedact;

    /// <summary>The room creators: v1–v10 <c>content.creator</c>, v11 the create event's sender, v12 the sender
    /// plus <c>content.additional_creators</c>.</summary>
    public IReadOnlySet<UserId> Creators => _creators;

    /// <summary>Explicit per-user levels from <c>content.users</c>.</summary>
    public IReadOnlyDictionary<string, long> Users => _users;
    /// <summary>Explicit per-event-type levels from <c>content.events</c>.</summary>
    public IReadOnlyDictionary<string, long> Events => _events;

    /// <summary>Reads the power levels from the room's state. Either event may be missing.</summary>
    public static PowerLevels From(Pdu? powerLevelsEvent, Pdu? createEvent, RoomVersion version)
    {
        var content = powerLevelsEvent?.Content ?? default;
        bool has = powerLevelsEvent is not null && content.ValueKind == JsonValueKind.Object;
        var levels = new PowerLevels(version)
        {
            HasPowerLevelsEvent = powerLevelsEvent is not null,
            UsersDefault = has ? ReadNamed(content, "users_default", DefaultUsersDefault, version) : DefaultUsersDefault,
            EventsDefault = has ? ReadNamed(content, "events_default", DefaultEventsDefault, version) : DefaultEventsDefault,
            StateDefault = has ? ReadNamed(content, "state_default", DefaultStateDefault, version) : DefaultStateDefault,
            Ban = has ? ReadNamed(content, "ban", DefaultBan, version) : DefaultBan,
            Kick = has ? ReadNamed(content, "kick", DefaultKick, version) : DefaultKick,
            Invite = has ? ReadNamed(content, "invite", DefaultInvite, version) : DefaultInvite,
            Redact = has ? ReadNamed(content, "redact", DefaultRedact, version) : DefaultRedact,
        };
        if (has)
        {
            ReadMap(content, "users", levels._users, version);
            ReadMap(content, "events", levels._events, version);
            ReadMap(content, "notifications", levels._notifications, version);
        }
        if (createEvent is not null)
        {
            foreach (var creator in ReadCreators(createEvent, version))
            {
                levels._creators.Add(creator);
            }
        }
        return levels;
    }

    /// <summary>The room creators named by a create event, per room version.</summary>
    public static IEnumerable<UserId> ReadCreators(Pdu createEvent, RoomVersion version)
    {
        if (version.CreatorIsSender)
        {
            yield return createEvent.Sender;
            if (version.PrivilegedCreators
                && createEvent.Content.ValueKind == JsonValueKind.Object
                && createEvent.Content.TryGetProperty("additional_creators", out var extra)
                && extra.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in extra.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String && UserId.TryParse(item.GetString(), out var id))
                    {
                        yield return id;
                    }
                }
            }
        }
        else if (createEvent.Content.ValueKind == JsonValueKind.Object
                 && createEvent.Content.TryGetProperty("creator", out var creator)
                 && creator.ValueKind == JsonValueKind.String
                 && UserId.TryParse(creator.GetString(), out var creatorId))
        {
            yield return creatorId;
        }
    }

    public bool IsCreator(UserId user) => _creators.Contains(user);

    /// <summary>A user's power level. spec: client-server "m.room.power_levels" users / users_default.</summary>
    public long GetUserLevel(UserId user)
    {
        if (_version.PrivilegedCreators && _creators.Contains(user))
        {
            return Infinite;
        }
        if (!HasPowerLevelsEvent)
        {
            return _creators.Contains(user) ? CreatorLevelWithoutPowerLevels : DefaultUsersDefault;
        }
        return _users.TryGetValue(user.Value, out long level) ? level : UsersDefault;
    }

    /// <summary>The level needed to send an event of this type: <c>events[type]</c>, else <c>state_default</c> for
    /// state events or <c>events_default</c> for message events.</summary>
    public long GetRequiredLevelForEvent(string eventType, bool isState) =>
        _events.TryGetValue(eventType, out long level) ? level : isState ? StateDefault : EventsDefault;

    /// <summary>The level needed to trigger a notification of this kind (<c>room</c> for <c>@room</c>).</summary>
    public long GetNotificationLevel(string key = "room") =>
        _notifications.TryGetValue(key, out long level) ? level : DefaultNotificationLevel;

    /// <summary>Whether <paramref name="user"/> may perform a membership or redaction action.</summary>
    public bool CanBan(UserId user) => GetUserLevel(user) >= Ban;
    public bool CanKick(UserId user) => GetUserLevel(user) >= Kick;
    public bool CanInvite(UserId user) => GetUserLevel(user) >= Invite;
    public bool CanRedactOthers(UserId user) => GetUserLevel(user) >= Redact;
    public bool CanSend(UserId user, string eventType, bool isState) =>
        GetUserLevel(user) >= GetRequiredLevelForEvent(eventType, isState);

    private static long ReadNamed(JsonElement content, string name, long fallback, RoomVersion version) =>
        content.TryGetProperty(name, out var value) && PowerLevelValue.TryRead(value, version, out long level)
            ? level
            : fallback;

    private static void ReadMap(JsonElement content, string name, Dictionary<string, long> into, RoomVersion version)
    {
        if (!content.TryGetProperty(name, out var map) || map.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        foreach (var entry in map.EnumerateObject())
        {
            if (PowerLevelValue.TryRead(entry.Value, version, out long level))
            {
                into[entry.Name] = level;
            }
        }
    }
}
