using System.Text.Json;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.Push;
using static Myelin.Protocol.Tests.Push.PushRuleEvaluationTests;

namespace Myelin.Protocol.Tests.Push;

public class PushRuleSetEditingTests
{
    private static readonly UserId Alice = UserId.Parse("@alice:example.org");
    private static readonly PushRuleSet Defaults = PushRuleSet.CreateDefault(Alice);
    private static readonly JsonElement Silent = ParseJson("""{"actions": []}""");

    private static string[] Ids(PushRuleSet set, PushRuleKind kind) => [.. set.GetRules(kind).Select(r => r.RuleId)];

    private static PushRuleSet WithOverrides(params string[] ids)
    {
        PushRuleSet set = Defaults;
        // Each new rule without before/after goes to the top of the user rules, so add in reverse.
        foreach (string id in ids.Reverse())
        {
            set = Apply(set.Put(PushRuleKind.Override, id, Silent));
        }
        return set;
    }

    [Fact]
    public void New_override_rules_go_below_master_and_above_the_other_defaults()
    {
        PushRuleSet set = WithOverrides("a", "b");
        Assert.Equal([".m.rule.master", "a", "b", ".m.rule.suppress_notices"], Ids(set, PushRuleKind.Override)[..4]);
        PushRule a = set.Find(PushRuleKind.Override, "a")!;
        Assert.False(a.IsDefault);
        Assert.True(a.Enabled);
        // The original set is unchanged: edits return a new set.
        Assert.Null(Defaults.Find(PushRuleKind.Override, "a"));
    }

    [Fact]
    public void New_underride_rules_go_above_the_default_underrides()
    {
        PushRuleSet set = Apply(Defaults.Put(PushRuleKind.Underride, "u", Silent));
        Assert.Equal(["u", ".m.rule.call"], Ids(set, PushRuleKind.Underride)[..2]);
    }

    [Theory]
    [InlineData("x", null, "b", new[] { "a", "b", "x", "c" })]
    [InlineData("x", "b", null, new[] { "a", "x", "b", "c" })]
    [InlineData("x", "a", "c", new[] { "x", "a", "b", "c" })]  // before wins when both are given
    [InlineData("x", null, "c", new[] { "a", "b", "c", "x" })]
    [InlineData("c", "a", null, new[] { "c", "a", "b" })]      // moving an existing rule up
    [InlineData("a", null, "c", new[] { "b", "c", "a" })]      // moving an existing rule down
    [InlineData("b", null, null, new[] { "a", "b", "c" })]     // updating keeps the place
    public void Before_and_after_position_relative_to_user_rules(string id, string? before, string? after, string[] expected)
    {
        PushRuleSet set = Apply(WithOverrides("a", "b", "c").Put(PushRuleKind.Override, id, Silent, before, after));
        string[] user = [.. Ids(set, PushRuleKind.Override).Where(r => !r.StartsWith('.'))];
        Assert.Equal(expected, user);
        Assert.Equal(".m.rule.master", Ids(set, PushRuleKind.Override)[0]);
    }

    [Fact]
    public void Updating_a_rule_replaces_its_parameters_but_keeps_enabled()
    {
        PushRuleSet set = Apply(Defaults.Put(PushRuleKind.Content, "cake", ParseJson("""{"pattern": "cake", "actions": ["notify"]}""")));
        set = Apply(set.SetEnabled(PushRuleKind.Content, "cake", false));
        set = Apply(set.Put(PushRuleKind.Content, "cake", ParseJson("""{"pattern": "cake*lie", "actions": []}""")));
        PushRule rule = set.Find(PushRuleKind.Content, "cake")!;
        Assert.Equal("cake*lie", rule.Pattern);
        Assert.Empty(rule.Actions);
        Assert.False(rule.Enabled);
    }

    [Theory]
    [InlineData(".m.rule.custom")]
    [InlineData(".m.rule.master")]
    [InlineData("a/b")]
    [InlineData(@"a\b")]
    [InlineData("")]
    public void Invalid_rule_ids_are_rejected(string id)
    {
        PushRuleEdit edit = Defaults.Put(PushRuleKind.Override, id, Silent);
        Assert.False(edit.Succeeded);
        Assert.Equal(PushRuleErrorKind.InvalidRuleId, edit.Error.Kind);
        Assert.Equal("M_INVALID_PARAM", edit.Error.ErrCode);
    }

    [Theory]
    [InlineData("missing", null)]
    [InlineData(null, "missing")]
    [InlineData(".m.rule.suppress_notices", null)]  // cannot position relative to a server-default rule
    [InlineData(null, ".m.rule.master")]
    [InlineData("x", null)]                          // relative to itself
    public void Unknown_or_default_relative_rules_are_rejected(string? before, string? after)
    {
        PushRuleEdit edit = WithOverrides("x").Put(PushRuleKind.Override, "x", Silent, before, after);
        Assert.False(edit.Succeeded);
        Assert.Equal(PushRuleErrorKind.RelativeRuleNotFound, edit.Error.Kind);
        Assert.Equal("M_UNKNOWN", edit.Error.ErrCode);
    }

    [Fact]
    public void Relative_rules_must_be_of_the_same_kind()
    {
        PushRuleSet set = WithOverrides("o");
        PushRuleEdit edit = set.Put(PushRuleKind.Underride, "u", Silent, before: "o");
        Assert.Equal(PushRuleErrorKind.RelativeRuleNotFound, edit.Error?.Kind);
    }

    [Theory]
    [InlineData(PushRuleKind.Override, """{"conditions": []}""", PushRuleErrorKind.MissingParam, "M_MISSING_PARAM")]
    [InlineData(PushRuleKind.Content, """{"actions": []}""", PushRuleErrorKind.MissingParam, "M_MISSING_PARAM")]
    [InlineData(PushRuleKind.Content, """{"pattern": 5, "actions": []}""", PushRuleErrorKind.InvalidParam, "M_INVALID_PARAM")]
    [InlineData(PushRuleKind.Override, """{"actions": "notify"}""", PushRuleErrorKind.InvalidParam, "M_INVALID_PARAM")]
    [InlineData(PushRuleKind.Override, """{"actions": ["explode"]}""", PushRuleErrorKind.InvalidParam, "M_INVALID_PARAM")]
    [InlineData(PushRuleKind.Override, """{"actions": [{"value": "x"}]}""", PushRuleErrorKind.InvalidParam, "M_INVALID_PARAM")]
    [InlineData(PushRuleKind.Override, """{"actions": [], "conditions": {}}""", PushRuleErrorKind.InvalidParam, "M_INVALID_PARAM")]
    [InlineData(PushRuleKind.Override, """{"actions": [], "conditions": [{"kind": "event_match", "key": "type"}]}""", PushRuleErrorKind.InvalidParam, "M_INVALID_PARAM")]
    [InlineData(PushRuleKind.Override, """[]""", PushRuleErrorKind.BadJson, "M_BAD_JSON")]
    public void Invalid_rule_bodies_are_rejected(PushRuleKind kind, string body, PushRuleErrorKind error, string errcode)
    {
        PushRuleEdit edit = Defaults.Put(kind, "r", ParseJson(body));
        Assert.False(edit.Succeeded);
        Assert.Equal(error, edit.Error.Kind);
        Assert.Equal(errcode, edit.Error.ErrCode);
    }

    [Fact]
    public void Historical_actions_are_accepted_and_stripped()
    {
        PushRuleSet set = Apply(Defaults.Put(PushRuleKind.Room, "!r:example.org", ParseJson("""{"actions": ["dont_notify", "coalesce"]}""")));
        Assert.Empty(set.Find(PushRuleKind.Room, "!r:example.org")!.Actions);
        Assert.Equal("""{"rule_id":"!r:example.org","default":false,"enabled":true,"actions":[]}""",
            System.Text.Encoding.UTF8.GetString(set.Find(PushRuleKind.Room, "!r:example.org")!.ToJsonBytes()));
    }

    [Fact]
    public void Delete_removes_user_rules_only()
    {
        PushRuleSet set = WithOverrides("a");
        PushRuleSet deleted = Apply(set.Delete(PushRuleKind.Override, "a"));
        Assert.Null(deleted.Find(PushRuleKind.Override, "a"));

        PushRuleEdit missing = deleted.Delete(PushRuleKind.Override, "a");
        Assert.Equal(PushRuleErrorKind.NotFound, missing.Error?.Kind);
        Assert.Equal("M_NOT_FOUND", missing.Error?.ErrCode);

        PushRuleEdit wrongKind = set.Delete(PushRuleKind.Underride, "a");
        Assert.Equal(PushRuleErrorKind.NotFound, wrongKind.Error?.Kind);

        PushRuleEdit serverDefault = set.Delete(PushRuleKind.Override, DefaultPushRules.Master);
        Assert.Equal(PushRuleErrorKind.ServerDefaultRule, serverDefault.Error?.Kind);
        Assert.Equal("M_INVALID_PARAM", serverDefault.Error?.ErrCode);
    }

    [Fact]
    public void Enabled_and_actions_of_unknown_rules_are_not_found()
    {
        Assert.Equal("M_NOT_FOUND", Defaults.SetEnabled(PushRuleKind.Override, "nope", true).Error?.ErrCode);
        Assert.Equal("M_NOT_FOUND", Defaults.SetActions(PushRuleKind.Content, ".m.rule.master", []).Error?.ErrCode);
    }

    [Fact]
    public void Account_data_round_trip_keeps_user_rules_order_and_changes_to_defaults()
    {
        PushRuleSet set = WithOverrides("a", "b");
        set = Apply(set.Put(PushRuleKind.Content, "cake", ParseJson("""{"pattern": "cake", "actions": ["notify", {"set_tweak": "sound", "value": "cakealarm.wav"}]}""")));
        set = Apply(set.Put(PushRuleKind.Sender, "@spambot:matrix.org", Silent));
        set = Apply(set.SetEnabled(PushRuleKind.Override, DefaultPushRules.Master, true));
        set = Apply(set.SetEnabled(PushRuleKind.Override, "b", false));
        set = Apply(set.SetActions(PushRuleKind.Underride, DefaultPushRules.Message, [PushAction.Notify, PushAction.Highlight(false)]));

        byte[] stored = set.ToJsonBytes();
        PushRuleSet reloaded = PushRuleSet.FromAccountData(Alice, stored);
        Assert.Equal(stored, reloaded.ToJsonBytes());
        Assert.False(reloaded.Find(PushRuleKind.Override, "b")!.Enabled);
        Assert.True(reloaded.Find(PushRuleKind.Override, DefaultPushRules.Master)!.Enabled);
    }

    [Fact]
    public void Account_data_merge_takes_only_enabled_and_actions_from_stored_defaults()
    {
        // An older stored copy: a default with changed conditions, a legacy default the spec removed
        // in v1.17, a user rule, and defaults missing entirely.
        const string stored = """
            {"global": {
              "override": [
                {"rule_id": ".m.rule.suppress_notices", "default": true, "enabled": false,
                 "conditions": [{"kind": "event_match", "key": "type", "pattern": "*"}], "actions": ["dont_notify"]},
                {"rule_id": ".m.rule.contains_display_name", "default": true, "enabled": true,
                 "conditions": [{"kind": "contains_display_name"}], "actions": ["notify"]},
                {"rule_id": "mine", "default": false, "enabled": true, "conditions": [], "actions": ["notify", {"set_tweak": "custom", "value": {"a": 1}}]}
              ],
              "content": [
                {"rule_id": ".m.rule.contains_user_name", "default": true, "enabled": true, "pattern": "alice", "actions": ["notify"]},
                {"rule_id": "nopattern", "default": false, "enabled": true, "actions": ["notify"]}
              ],
              "underride": "garbage"
            }}
            """;
        PushRuleSet set = PushRuleSet.FromAccountData(Alice, ParseJson(stored));
        PushRuleSet defaults = PushRuleSet.CreateDefault(Alice);

        PushRule suppress = set.Find(PushRuleKind.Override, DefaultPushRules.SuppressNotices)!;
        Assert.False(suppress.Enabled);
        Assert.Empty(suppress.Actions);
        Assert.Equal("content.msgtype", Assert.IsType<EventMatchCondition>(Assert.Single(suppress.Conditions!)).Key.Text);

        Assert.Null(set.Find(PushRuleKind.Override, ".m.rule.contains_display_name"));
        Assert.Empty(set.GetRules(PushRuleKind.Content));
        Assert.Equal([".m.rule.master", "mine", ".m.rule.suppress_notices"], Ids(set, PushRuleKind.Override)[..3]);
        Assert.Equal(Ids(defaults, PushRuleKind.Override).Length + 1, Ids(set, PushRuleKind.Override).Length);
        Assert.Equal(Ids(defaults, PushRuleKind.Underride), Ids(set, PushRuleKind.Underride));

        // Custom tweaks pass through untouched.
        Assert.Contains("""{"set_tweak":"custom","value":{"a":1}}""", System.Text.Encoding.UTF8.GetString(set.ToJsonBytes()), StringComparison.Ordinal);
    }

    [Fact]
    public void A_stored_default_without_an_enabled_flag_keeps_the_default_flag()
    {
        PushRuleSet set = PushRuleSet.FromAccountData(Alice, ParseJson("""{"global": {"override": [{"rule_id": ".m.rule.master", "actions": []}]}}"""));
        Assert.False(set.Find(PushRuleKind.Override, DefaultPushRules.Master)!.Enabled);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("""{"global": null}""")]
    public void Unusable_account_data_yields_the_defaults(string json)
    {
        PushRuleSet set = PushRuleSet.FromAccountData(Alice, System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Equal(PushRuleSet.CreateDefault(Alice).ToJsonBytes(), set.ToJsonBytes());
    }

    [Fact]
    public void Spec_examples_from_push_rules_examples_section_apply()
    {
        // spec: push "Push Rules: Events" "Examples".
        PushRuleSet set = Defaults;
        set = Apply(set.Put(PushRuleKind.Room, "!dj234r78wl45Gh4D:matrix.org", ParseJson("""{"actions": []}""")));
        set = Apply(set.Put(PushRuleKind.Sender, "@spambot:matrix.org", ParseJson("""{"actions": []}""")));
        set = Apply(set.Put(PushRuleKind.Content, "SSByZWFsbHkgbGlrZSBjYWtl", ParseJson("""{"pattern": "cake", "actions": ["notify", {"set_tweak": "sound", "value": "cakealarm.wav"}]}""")));
        set = Apply(set.Put(PushRuleKind.Content, "U3BvbmdlIGNha2UgaXMgYmVzdA", ParseJson("""{"pattern": "cake*lie", "actions": ["notify"]}"""), before: "SSByZWFsbHkgbGlrZSBjYWtl"));
        set = Apply(set.Put(PushRuleKind.Override, "U2VlIHlvdSBpbiBUaGUgRHVrZQ", ParseJson("""
            {"conditions": [{"kind": "event_match", "key": "content.body", "pattern": "beer"}, {"kind": "room_member_count", "is": "<=10"}],
             "actions": ["notify", {"set_tweak": "sound", "value": "beeroclock.wav"}]}
            """)));
        Assert.Equal(["U3BvbmdlIGNha2UgaXMgYmVzdA", "SSByZWFsbHkgbGlrZSBjYWtl"], Ids(set, PushRuleKind.Content));

        var context = new PushContext(8, null, 0, NotificationPowerLevels.Default);
        PushEvent Message(string body, string room = "!other:matrix.org", string sender = "@bob:matrix.org") =>
            new(ParseJson($$"""{"type": "m.room.message", "room_id": "{{room}}", "sender": "{{sender}}", "content": {"msgtype": "m.text", "body": "{{body}}"} }"""));

        Assert.Equal("cakealarm.wav", set.Evaluate(Message("cake time"), context).Sound);
        Assert.Null(set.Evaluate(Message("the cake is a lie"), context).Sound);
        Assert.Equal("U3BvbmdlIGNha2UgaXMgYmVzdA", set.Evaluate(Message("the cake is a lie"), context).Rule?.RuleId);
        Assert.Equal("beeroclock.wav", set.Evaluate(Message("beer and cake?"), context).Sound);
        Assert.Equal("cakealarm.wav", set.Evaluate(Message("beer and cake?"), context with { RoomMemberCount = 11 }).Sound);
        Assert.False(set.Evaluate(Message("hello", room: "!dj234r78wl45Gh4D:matrix.org"), context).Notify);
        Assert.False(set.Evaluate(Message("hello", sender: "@spambot:matrix.org"), context).Notify);
        Assert.True(set.Evaluate(Message("hello"), context).Notify);
    }
}
