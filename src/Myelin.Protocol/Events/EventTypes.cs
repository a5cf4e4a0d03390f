namespace Myelin.Protocol.Events;

/// <summary>Event type names the server itself interprets.</summary>
public static class EventTypes
{
    public const string Create = "m.room.create";
    public const string Member = "m.room.member";
    public const string PowerLevels = "m.room.power_levels";
    public const string JoinRules = "m.room.join_rules";
    public const string HistoryVisibility = "m.room.history_visibility";
    public const string GuestAccess = "m.room.guest_access";
    public const string Name = "m.room.name";
    public const string Topic = "m.room.topic";
    public const string Avatar = "m.room.avatar";
    public const string CanonicalAlias = "m.room.canonical_alias";
    public const string Aliases = "m.room.aliases";
    public const string Encryption = "m.room.encryption";
    public const string ThirdPartyInvite = "m.room.third_party_invite";
    public const string Redaction = "m.room.redaction";
    public const string Tombstone = "m.room.tombstone";
    public const string ServerAcl = "m.room.server_acl";
    public const string PinnedEvents = "m.room.pinned_events";
    public const string Message = "m.room.message";
    public const string Reaction = "m.reaction";
}
