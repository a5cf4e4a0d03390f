using System.Text.Json;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.Push;

namespace Myelin.Protocol.Tests.Push;

/// <summary>Every server-default rule firing (or not) for the events it exists for.</summary>
public class PushRuleEvaluationTests
{
    private const string Alice = "@alice:example.org";
    private static readonly PushRuleSet Defaults = PushRuleSet.CreateDefault(UserId.Parse(Alice));
    private static readonly PushContext Group = new(5, "Alice", 0, NotificationPowerLevels.Default);
    private static readonly PushContext Direct = Group with { RoomMemberCount = 2 };

    private static PushEvent Event(string type, string content, string? stateKey = null, string sender = "@bob:example.org")
    {
        string state = stateKey is null ? "" : $", \"state_key\": {JsonSerializer.Serialize(stateKey)}";
        return new PushEvent(JsonElement.Parse(
            $$"""{"type": "{{type}}", "room_id": "!room:example.org", "sender": "{{sender}}", "content": {{content}}{{state}} }"""));
    }

    public static TheoryData<string, PushEvent, PushContext, string?, bool, bool, string?> Cases => new()
    {
        // name, event, context, expected rule, notify, highlight, sound
        { "plain message in a group", Event("m.room.message", """{"msgtype": "m.text", "body": "hello"}"""), Group, ".m.rule.message", true, false, null },
        { "plain message in a DM", Event("m.room.message", """{"msgtype": "m.text", "body": "hello"}"""), Direct, ".m.rule.room_one_to_one", true, false, "default" },
        { "encrypted in a group", Event("m.room.encrypted", """{"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "x"}"""), Group, ".m.rule.encrypted", true, false, null },
        { "encrypted in a DM", Event("m.room.encrypted", """{"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "x"}"""), Direct, ".m.rule.encrypted_room_one_to_one", true, false, "default" },
        { "notice", Event("m.room.message", """{"msgtype": "m.notice", "body": "bot says hi"}"""), Group, ".m.rule.suppress_notices", false, false, null },
        { "notice in a DM", Event("m.room.message", """{"msgtype": "m.notice", "body": "bot says hi"}"""), Direct, ".m.rule.suppress_notices", false, false, null },
        { "invite for me", Event("m.room.member", """{"membership": "invite"}""", Alice), Group, ".m.rule.invite_for_me", true, false, "default" },
        { "invite for someone else", Event("m.room.member", """{"membership": "invite"}""", "@carol:example.org"), Group, ".m.rule.member_event", false, false, null },
        { "join", Event("m.room.member", """{"membership": "join"}""", "@bob:example.org"), Direct, ".m.rule.member_event", false, false, null },
        { "user mention", Event("m.room.message", $$"""{"msgtype": "m.text", "body": "hi", "m.mentions": {"user_ids": ["{{Alice}}"]} }"""), Group, ".m.rule.is_user_mention", true, true, "default" },
        { "mention of someone else", Event("m.room.message", """{"msgtype": "m.text", "body": "hi", "m.mentions": {"user_ids": ["@carol:example.org"]}}"""), Group, ".m.rule.message", true, false, null },
        { "mention via a dotted key is not m.mentions", Event("m.room.message", $$"""{"msgtype": "m.text", "body": "hi", "m": {"mentions": {"user_ids": ["{{Alice}}"]} } }"""), Group, ".m.rule.message", true, false, null },
        { "room mention by a moderator", Event("m.room.message", """{"msgtype": "m.text", "body": "@room", "m.mentions": {"room": true}}"""), Group with { SenderPowerLevel = 50 }, ".m.rule.is_room_mention", true, true, null },
        { "room mention without permission", Event("m.room.message", """{"msgtype": "m.text", "body": "@room", "m.mentions": {"room": true}}"""), Group, ".m.rule.message", true, false, null },
        { "room mention with room level lowered", Event("m.room.message", """{"msgtype": "m.text", "body": "@room", "m.mentions": {"room": true}}"""), Group with { NotificationPowerLevels = NotificationPowerLevels.FromPowerLevelsContent(JsonElement.Parse("""{"notifications": {"room": 0}}""")) }, ".m.rule.is_room_mention", true, true, null },
        { "room mention with a string true", Event("m.room.message", """{"msgtype": "m.text", "body": "@room", "m.mentions": {"room": "true"}}"""), Group with { SenderPowerLevel = 100 }, ".m.rule.message", true, false, null },
        { "display name in the body no longer highlights (v1.17)", Event("m.room.message", """{"msgtype": "m.text", "body": "Alice, look"}"""), Group, ".m.rule.message", true, false, null },
        { "tombstone", Event("m.room.tombstone", """{"body": "moved", "replacement_room": "!new:example.org"}""", ""), Group, ".m.rule.tombstone", true, true, null },
        { "tombstone with a state key", Event("m.room.tombstone", """{"body": "moved"}""", "x"), Group, null, false, false, null },
        { "tombstone as a message event", Event("m.room.tombstone", """{"body": "moved"}"""), Group, null, false, false, null },
        { "reaction", Event("m.reaction", """{"m.relates_to": {"rel_type": "m.annotation", "event_id": "$e", "key": "👍"}}"""), Direct, ".m.rule.reaction", false, false, null },
        { "server acl", Event("m.room.server_acl", """{"allow": ["*"]}""", ""), Group, ".m.rule.room.server_acl", false, false, null },
        { "edit", Event("m.room.message", """{"msgtype": "m.text", "body": "* fixed", "m.new_content": {"msgtype": "m.text", "body": "fixed"}, "m.relates_to": {"rel_type": "m.replace", "event_id": "$e"}}"""), Direct, ".m.rule.suppress_edits", false, false, null },
        { "thread reply is not an edit", Event("m.room.message", """{"msgtype": "m.text", "body": "reply", "m.relates_to": {"rel_type": "m.thread", "event_id": "$e"}}"""), Group, ".m.rule.message", true, false, null },
        { "call invite", Event("m.call.invite", """{"call_id": "c", "version": "1"}"""), Group, ".m.rule.call", true, false, "ring" },
        { "topic change", Event("m.room.topic", """{"topic": "new"}""", ""), Group, null, false, false, null },
        { "own message", Event("m.room.message", $$"""{"msgtype": "m.text", "body": "hi", "m.mentions": {"user_ids": ["{{Alice}}"]} }""", sender: Alice), Direct, null, false, false, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Default_rules(string name, PushEvent pushEvent, PushContext context, string? rule, bool notify, bool highlight, string? sound)
    {
        PushEvaluation result = Defaults.Evaluate(pushEvent, context);
        Assert.True(rule == result.Rule?.RuleId, $"{name}: expected {rule ?? "(none)"}, got {result.Rule?.RuleId ?? "(none)"}");
        Assert.Equal(notify, result.Notify);
        Assert.Equal(highlight, result.Highlight);
        Assert.Equal(sound, result.Sound);
        Assert.Equal(rule is not null, result.Matched);
    }

    [Fact]
    public void Enabling_master_silences_everything()
    {
        PushRuleSet muted = Defaults.SetEnabled(PushRuleKind.Override, DefaultPushRules.Master, true).RuleSet!;
        PushEvaluation result = muted.Evaluate(
            Event("m.room.message", $$"""{"msgtype": "m.text", "body": "hi", "m.mentions": {"user_ids": ["{{Alice}}"]} }"""), Direct);
        Assert.Equal(DefaultPushRules.Master, result.Rule?.RuleId);
        Assert.False(result.Notify);
        Assert.Empty(result.Actions);
    }

    [Fact]
    public void Disabled_rules_never_match()
    {
        PushRuleSet set = Defaults.SetEnabled(PushRuleKind.Override, DefaultPushRules.SuppressNotices, false).RuleSet!;
        PushEvaluation result = set.Evaluate(Event("m.room.message", """{"msgtype": "m.notice", "body": "bot"}"""), Group);
        Assert.Equal(DefaultPushRules.Message, result.Rule?.RuleId);
        Assert.True(result.Notify);
    }

    [Fact]
    public void Changed_actions_of_a_default_rule_apply()
    {
        PushRuleSet set = Defaults.SetActions(PushRuleKind.Underride, DefaultPushRules.Message, [PushAction.Notify, PushAction.Sound("bing")]).RuleSet!;
        PushEvaluation result = set.Evaluate(Event("m.room.message", """{"msgtype": "m.text", "body": "hi"}"""), Group);
        Assert.Equal("bing", result.Sound);
    }

    [Fact]
    public void Kinds_are_checked_in_order_override_content_room_sender_underride()
    {
        PushRuleSet set = Defaults;
        set = Apply(set.Put(PushRuleKind.Sender, "@bob:example.org", ParseJson("""{"actions": ["notify", {"set_tweak": "sound", "value": "sender"}]}""")));
        PushEvent message = Event("m.room.message", """{"msgtype": "m.text", "body": "time for tea"}""");
        Assert.Equal("@bob:example.org", set.Evaluate(message, Group).Rule?.RuleId);

        set = Apply(set.Put(PushRuleKind.Room, "!room:example.org", ParseJson("""{"actions": []}""")));
        Assert.Equal("!room:example.org", set.Evaluate(message, Group).Rule?.RuleId);
        Assert.False(set.Evaluate(message, Group).Notify);

        set = Apply(set.Put(PushRuleKind.Content, "tea", ParseJson("""{"pattern": "TEA", "actions": ["notify", {"set_tweak": "highlight"}]}""")));
        Assert.Equal("tea", set.Evaluate(message, Group).Rule?.RuleId);
        Assert.True(set.Evaluate(message, Group).Highlight);

        set = Apply(set.Put(PushRuleKind.Override, "quiet", ParseJson("""{"conditions": [{"kind": "room_member_count", "is": ">3"}], "actions": []}""")));
        Assert.Equal("quiet", set.Evaluate(message, Group).Rule?.RuleId);
        Assert.Equal("tea", set.Evaluate(message, Direct).Rule?.RuleId);

        // Room and sender rules only apply to their own room and sender.
        PushEvent elsewhere = new(JsonElement.Parse("""{"type": "m.room.message", "room_id": "!other:example.org", "sender": "@dave:example.org", "content": {"body": "coffee"}}"""));
        Assert.Equal(DefaultPushRules.RoomOneToOne, set.Evaluate(elsewhere, Direct).Rule?.RuleId);
    }

    [Fact]
    public void Within_a_kind_the_higher_rule_wins()
    {
        // spec: push "Push Rules": "tea" and "time" both match "It's time for tea"; order decides.
        PushRuleSet set = Apply(Defaults.Put(PushRuleKind.Content, "tea", ParseJson("""{"pattern": "tea", "actions": ["notify", {"set_tweak": "sound", "value": "tea"}]}""")));
        set = Apply(set.Put(PushRuleKind.Content, "time", ParseJson("""{"pattern": "time", "actions": ["notify", {"set_tweak": "sound", "value": "time"}]}"""), after: "tea"));
        PushEvent message = Event("m.room.message", """{"msgtype": "m.text", "body": "It's time for tea"}""");
        Assert.Equal("tea", set.Evaluate(message, Group).Sound);
        set = Apply(set.Put(PushRuleKind.Content, "time", ParseJson("""{"pattern": "time", "actions": ["notify", {"set_tweak": "sound", "value": "time"}]}"""), before: "tea"));
        Assert.Equal("time", set.Evaluate(message, Group).Sound);
    }

    [Fact]
    public void Custom_display_name_rule_works_with_the_deprecated_condition()
    {
        PushRuleSet set = Apply(Defaults.Put(PushRuleKind.Override, "display-name", ParseJson("""{"conditions": [{"kind": "contains_display_name"}], "actions": ["notify", {"set_tweak": "highlight"}]}""")));
        Assert.True(set.Evaluate(Event("m.room.message", """{"msgtype": "m.text", "body": "Alice, look"}"""), Group).Highlight);
        Assert.False(set.Evaluate(Event("m.room.message", """{"msgtype": "m.text", "body": "Malice, look"}"""), Group).Highlight);
    }

    [Fact]
    public void A_rule_with_an_unknown_condition_is_effectively_disabled()
    {
        PushRuleSet set = Apply(Defaults.Put(PushRuleKind.Override, "future", ParseJson("""{"conditions": [{"kind": "org.example.future"}], "actions": ["notify", {"set_tweak": "highlight"}]}""")));
        PushEvaluation result = set.Evaluate(Event("m.room.message", """{"msgtype": "m.text", "body": "x"}"""), Group);
        Assert.Equal(DefaultPushRules.Message, result.Rule?.RuleId);
    }

    [Fact]
    public void A_pdu_can_be_evaluated_directly()
    {
        var pdu = new Myelin.Protocol.Events.Pdu
        {
            Json = System.Text.Encoding.UTF8.GetBytes("""{"type":"m.room.message","room_id":"!room:example.org","sender":"@bob:example.org","content":{"msgtype":"m.text","body":"hi","m.mentions":{"user_ids":["@alice:example.org"]}},"depth":3}"""),
            RoomVersion = Myelin.Protocol.RoomVersions.KnownRoomVersions.V11,
            EventId = EventId.Parse("$abc"),
            RoomId = RoomId.Parse("!room:example.org"),
            Sender = UserId.Parse("@bob:example.org"),
            Type = "m.room.message",
            Content = JsonElement.Parse("""{"msgtype":"m.text","body":"hi"}"""),
        };
        Assert.Equal(DefaultPushRules.IsUserMention, Defaults.Evaluate(PushEvent.FromPdu(pdu), Group).Rule?.RuleId);
    }

    internal static JsonElement ParseJson(string json) => JsonElement.Parse(json);

    internal static PushRuleSet Apply(PushRuleEdit edit)
    {
        Assert.True(edit.Succeeded, edit.Error?.Message);
        return edit.RuleSet;
    }
}
