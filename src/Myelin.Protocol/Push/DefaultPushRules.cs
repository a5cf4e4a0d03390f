using Myelin.Protocol.Identifiers;

namespace Myelin.Protocol.Push;

/// <summary>
/// The server-default push rules, exactly as Matrix v1.19 lists them and in its order. Since v1.17
/// the legacy body-mention rules (<c>.m.rule.contains_display_name</c>, <c>.m.rule.contains_user_name</c>,
/// <c>.m.rule.roomnotif</c>) are gone, so there are no default content rules.
/// spec: client-server push "Predefined Rules", "Default Override Rules", "Default Underride Rules".
/// </summary>
public static class DefaultPushRules
{
    public const string Master = ".m.rule.master";
    public const string SuppressNotices = ".m.rule.suppress_notices";
    public const string InviteForMe = ".m.rule.invite_for_me";
    public const string MemberEvent = ".m.rule.member_event";
    public const string IsUserMention = ".m.rule.is_user_mention";
    public const string IsRoomMention = ".m.rule.is_room_mention";
    public const string Tombstone = ".m.rule.tombstone";
    public const string Reaction = ".m.rule.reaction";
    public const string RoomServerAcl = ".m.rule.room.server_acl";
    public const string SuppressEdits = ".m.rule.suppress_edits";
    public const string Call = ".m.rule.call";
    public const string EncryptedRoomOneToOne = ".m.rule.encrypted_room_one_to_one";
    public const string RoomOneToOne = ".m.rule.room_one_to_one";
    public const string Message = ".m.rule.message";
    public const string Encrypted = ".m.rule.encrypted";

    private static readonly PushAction SoundDefault = PushAction.Sound("default");
    private static readonly PushAction SoundRing = PushAction.Sound("ring");
    private static readonly PushAction HighlightAction = PushAction.Highlight();

    /// <summary>The default override rules, <c>.m.rule.master</c> first.</summary>
    public static IReadOnlyList<PushRule> Override(UserId user) =>
    [
        // Disabled by default; enabling it silences everything (spec: ".m.rule.master").
        PushRule.CreateOverride(Master, [], [], enabled: false),
        PushRule.CreateOverride(SuppressNotices, [Match("content.msgtype", "m.notice")], []),
        PushRule.CreateOverride(
            InviteForMe,
            [Match("type", "m.room.member"), Match("content.membership", "invite"), Match("state_key", user.Value)],
            [PushAction.Notify, SoundDefault]),
        PushRule.CreateOverride(MemberEvent, [Match("type", "m.room.member")], []),
        PushRule.CreateOverride(
            IsUserMention,
            [new EventPropertyContainsCondition(@"content.m\.mentions.user_ids", ExactValue.Of(user.Value))],
            [PushAction.Notify, SoundDefault, HighlightAction]),
        PushRule.CreateOverride(
            IsRoomMention,
            [new EventPropertyIsCondition(@"content.m\.mentions.room", ExactValue.Of(true)), new SenderNotificationPermissionCondition("room")],
            [PushAction.Notify, HighlightAction]),
        // There is no implicit state_key condition, so state-only rules say state_key "" themselves.
        PushRule.CreateOverride(Tombstone, [Match("type", "m.room.tombstone"), Match("state_key", "")], [PushAction.Notify, HighlightAction]),
        PushRule.CreateOverride(Reaction, [Match("type", "m.reaction")], []),
        PushRule.CreateOverride(RoomServerAcl, [Match("type", "m.room.server_acl"), Match("state_key", "")], []),
        PushRule.CreateOverride(
            SuppressEdits,
            [new EventPropertyIsCondition(@"content.m\.relates_to.rel_type", ExactValue.Of("m.replace"))],
            []),
    ];

    /// <summary>The default content rules: none since v1.17.</summary>
    public static IReadOnlyList<PushRule> Content(UserId user) => [];

    /// <summary>The default underride rules.</summary>
    public static IReadOnlyList<PushRule> Underride(UserId user) =>
    [
        PushRule.CreateUnderride(Call, [Match("type", "m.call.invite")], [PushAction.Notify, SoundRing]),
        PushRule.CreateUnderride(
            EncryptedRoomOneToOne,
            [RoomMemberCountCondition.Parse("2"), Match("type", "m.room.encrypted")],
            [PushAction.Notify, SoundDefault]),
        PushRule.CreateUnderride(
            RoomOneToOne,
            [RoomMemberCountCondition.Parse("2"), Match("type", "m.room.message")],
            [PushAction.Notify, SoundDefault]),
        PushRule.CreateUnderride(Message, [Match("type", "m.room.message")], [PushAction.Notify]),
        PushRule.CreateUnderride(Encrypted, [Match("type", "m.room.encrypted")], [PushAction.Notify]),
    ];

    /// <summary>The default rules of one kind (room and sender have none).</summary>
    public static IReadOnlyList<PushRule> For(PushRuleKind kind, UserId user) => kind switch
    {
        PushRuleKind.Override => Override(user),
        PushRuleKind.Content => Content(user),
        PushRuleKind.Underride => Underride(user),
        _ => [],
    };

    private static EventMatchCondition Match(string key, string pattern) => new(key, pattern);
}
