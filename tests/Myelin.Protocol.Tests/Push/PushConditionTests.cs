using System.Text.Json;
using Myelin.Protocol.Push;

namespace Myelin.Protocol.Tests.Push;

public class PushConditionTests
{
    private static readonly PushContext Context = new(5, "Alice", 0, NotificationPowerLevels.Default);

    private static bool Matches(string conditionJson, string eventJson, PushContext? context = null)
    {
        PushCondition condition = PushCondition.Parse(JsonElement.Parse(conditionJson), out bool wellFormed);
        Assert.True(wellFormed, conditionJson);
        return condition.Matches(new PushEvent(JsonElement.Parse(eventJson)), context ?? Context);
    }

    [Theory]
    // spec: push "Conditions" event_match example
    [InlineData("""{"topic": "Lunch plans"}""", true)]
    [InlineData("""{"topic": "LUNCH"}""", true)]
    [InlineData("""{"topic": " lunch"}""", false)]
    [InlineData("""{"topic": "lunc"}""", false)]
    [InlineData("""{"topic": null}""", false)]
    [InlineData("""{"topic": 5}""", false)]
    [InlineData("""{}""", false)]
    public void Event_match_on_topic(string content, bool expected)
    {
        string ev = $$"""{"type": "m.room.topic", "state_key": "", "content": {{content}}}""";
        Assert.Equal(expected, Matches("""{"kind": "event_match", "key": "content.topic", "pattern": "lunc?*"}""", ev));
    }

    [Fact]
    public void Event_match_star_does_not_match_absent_or_non_string_values()
    {
        const string condition = """{"kind": "event_match", "key": "content.x", "pattern": "*"}""";
        Assert.False(Matches(condition, """{"content": {}}"""));
        Assert.False(Matches(condition, """{"content": {"x": true}}"""));
        Assert.False(Matches(condition, """{"content": {"x": {"y": "z"}}}"""));
        Assert.True(Matches(condition, """{"content": {"x": ""}}"""));
    }

    [Theory]
    // content.body uses word-boundary substring semantics; other keys match the whole value.
    [InlineData("content.body", "An example event.", true)]
    [InlineData("content.other", "An example event.", false)]
    [InlineData("content.other", "example", true)]
    public void Event_match_body_is_special(string key, string value, bool expected)
    {
        string ev = $$"""{"content": {"body": "{{value}}", "other": "{{value}}"} }""";
        Assert.Equal(expected, Matches($$"""{"kind": "event_match", "key": "{{key}}", "pattern": "ex*ple"}""", ev));
    }

    [Theory]
    // spec: push "Conditions" event_property_is example, key content.m\.federate, value true
    [InlineData("true", true)]
    [InlineData("\"true\"", false)]
    [InlineData("1", false)]
    [InlineData("false", false)]
    [InlineData("null", false)]
    public void Event_property_is_federate(string federate, bool expected)
    {
        string ev = $$"""{"type": "m.room.create", "state_key": "", "content": {"creator": "@example:example.org", "m.federate": {{federate}} } }""";
        Assert.Equal(expected, Matches("""{"kind": "event_property_is", "key": "content.m\\.federate", "value": true}""", ev));
    }

    [Theory]
    [InlineData("\"m.replace\"", "\"m.replace\"", true)]
    [InlineData("\"m.replace\"", "\"M.REPLACE\"", false)]
    [InlineData("42", "42", true)]
    [InlineData("42", "42.0", false)]
    [InlineData("42", "\"42\"", false)]
    [InlineData("null", "null", true)]
    [InlineData("null", "false", false)]
    [InlineData("false", "false", true)]
    public void Event_property_is_compares_exactly(string value, string actual, bool expected)
    {
        Assert.Equal(expected, Matches(
            $$"""{"kind": "event_property_is", "key": "content.v", "value": {{value}}}""",
            $$"""{"content": {"v": {{actual}} } }"""));
    }

    [Fact]
    public void Event_property_is_does_not_match_an_absent_property_even_for_null()
    {
        Assert.False(Matches("""{"kind": "event_property_is", "key": "content.v", "value": null}""", """{"content": {}}"""));
    }

    [Theory]
    // spec: push "Conditions" event_property_contains example
    [InlineData("""["#somewhere:example.org", "#myroom:example.com"]""", true)]
    [InlineData("""[":example.com"]""", false)]
    [InlineData("""["#MYROOM:example.com"]""", false)]
    [InlineData("""[["#myroom:example.com"], {"a": "#myroom:example.com"}]""", false)]
    [InlineData("\"#myroom:example.com\"", false)]
    [InlineData("[]", false)]
    public void Event_property_contains_alt_aliases(string aliases, bool expected)
    {
        string ev = $$"""{"type": "m.room.canonical_alias", "state_key": "", "content": {"alias": "#somewhere:localhost", "alt_aliases": {{aliases}} } }""";
        Assert.Equal(expected, Matches("""{"kind": "event_property_contains", "key": "content.alt_aliases", "value": "#myroom:example.com"}""", ev));
    }

    [Fact]
    public void Event_property_contains_integers_and_booleans()
    {
        Assert.True(Matches("""{"kind": "event_property_contains", "key": "content.v", "value": 3}""", """{"content": {"v": [1, 2, 3]}}"""));
        Assert.False(Matches("""{"kind": "event_property_contains", "key": "content.v", "value": 3}""", """{"content": {"v": ["3", true]}}"""));
        Assert.True(Matches("""{"kind": "event_property_contains", "key": "content.v", "value": true}""", """{"content": {"v": ["3", true]}}"""));
    }

    [Theory]
    [InlineData("Alice", "hey alice!", true)]
    [InlineData("Alice", "ALICE: ping", true)]
    [InlineData("Alice", "malice", false)]
    [InlineData("Alice", "alicex", false)]
    [InlineData("Alice Smith", "is alice smith here?", true)]
    [InlineData("Al*ce", "Albatross ice", false)]  // the display name is literal, not a glob
    [InlineData("Al*ce", "hi al*ce", true)]
    [InlineData(null, "hey alice", false)]
    [InlineData("", "hey alice", false)]
    public void Contains_display_name(string? displayName, string body, bool expected)
    {
        var context = Context with { DisplayName = displayName };
        Assert.Equal(expected, Matches("""{"kind": "contains_display_name"}""", $$"""{"content": {"body": "{{body}}"} }""", context));
    }

    [Fact]
    public void Contains_display_name_needs_a_string_body()
    {
        Assert.False(Matches("""{"kind": "contains_display_name"}""", """{"content": {"body": ["Alice"]}}"""));
        Assert.False(Matches("""{"kind": "contains_display_name"}""", """{"content": {}}"""));
    }

    [Theory]
    [InlineData("2", 2, true)]
    [InlineData("2", 3, false)]
    [InlineData("==2", 2, true)]
    [InlineData("==2", 1, false)]
    [InlineData("<10", 9, true)]
    [InlineData("<10", 10, false)]
    [InlineData("<=10", 10, true)]
    [InlineData("<=10", 11, false)]
    [InlineData(">2", 3, true)]
    [InlineData(">2", 2, false)]
    [InlineData(">=2", 2, true)]
    [InlineData(">=2", 1, false)]
    public void Room_member_count(string @is, long members, bool expected)
    {
        var context = Context with { RoomMemberCount = members };
        Assert.Equal(expected, Matches($$"""{"kind": "room_member_count", "is": "{{@is}}"}""", "{}", context));
    }

    [Theory]
    [InlineData("""{"kind": "room_member_count", "is": "=2"}""")]
    [InlineData("""{"kind": "room_member_count", "is": "two"}""")]
    [InlineData("""{"kind": "room_member_count", "is": ""}""")]
    [InlineData("""{"kind": "room_member_count", "is": "<"}""")]
    [InlineData("""{"kind": "room_member_count", "is": 2}""")]
    [InlineData("""{"kind": "event_match", "key": "type"}""")]
    [InlineData("""{"kind": "event_match", "pattern": "x"}""")]
    [InlineData("""{"kind": "event_property_is", "key": "content.x", "value": 1.5}""")]
    [InlineData("""{"kind": "event_property_is", "key": "content.x", "value": 9007199254740992}""")]
    [InlineData("""{"kind": "event_property_is", "key": "content.x", "value": [1]}""")]
    [InlineData("""{"kind": "event_property_contains", "key": "content.x"}""")]
    [InlineData("""{"kind": "sender_notification_permission"}""")]
    [InlineData("""{"key": "type"}""")]
    [InlineData("\"event_match\"")]
    public void Malformed_known_conditions_are_flagged_and_never_match(string json)
    {
        PushCondition condition = PushCondition.Parse(JsonElement.Parse(json), out bool wellFormed);
        Assert.False(wellFormed);
        Assert.IsType<UnknownPushCondition>(condition);
        var ev = new PushEvent(JsonElement.Parse("""{"type": "x", "content": {"x": 1.5}}"""));
        Assert.False(condition.Matches(ev, Context with { RoomMemberCount = 2 }));
    }

    [Fact]
    public void Unknown_condition_kinds_never_match_and_round_trip()
    {
        const string json = """{"kind":"org.example.always","extra":[1,2]}""";
        PushCondition condition = PushCondition.Parse(JsonElement.Parse(json), out bool wellFormed);
        Assert.True(wellFormed);
        Assert.Equal("org.example.always", condition.Kind);
        Assert.False(condition.Matches(new PushEvent(JsonElement.Parse("{}")), Context));
        Assert.Equal(json, JsonSerializer.Serialize(condition));
    }

    [Theory]
    [InlineData(49, null, false)]
    [InlineData(50, null, true)]
    [InlineData(100, null, true)]
    [InlineData(0, """{"notifications": {"room": 0}}""", true)]
    [InlineData(99, """{"notifications": {"room": 100}}""", false)]
    [InlineData(100, """{"notifications": {"room": "100"}}""", true)]
    [InlineData(long.MaxValue, """{"notifications": {"room": 100}}""", true)]
    public void Sender_notification_permission_room(long senderLevel, string? powerLevels, bool expected)
    {
        NotificationPowerLevels levels = powerLevels is null
            ? NotificationPowerLevels.Default
            : NotificationPowerLevels.FromPowerLevelsContent(JsonElement.Parse(powerLevels));
        var context = Context with { SenderPowerLevel = senderLevel, NotificationPowerLevels = levels };
        Assert.Equal(expected, Matches("""{"kind": "sender_notification_permission", "key": "room"}""", "{}", context));
    }

    [Fact]
    public void Sender_notification_permission_for_an_undefined_key_never_matches()
    {
        var context = Context with { SenderPowerLevel = 1000 };
        Assert.False(Matches("""{"kind": "sender_notification_permission", "key": "org.example.other"}""", "{}", context));
        var defined = Context with
        {
            SenderPowerLevel = 10,
            NotificationPowerLevels = NotificationPowerLevels.From(new Dictionary<string, long> { ["org.example.other"] = 10 }),
        };
        Assert.True(Matches("""{"kind": "sender_notification_permission", "key": "org.example.other"}""", "{}", defined));
    }

    [Theory]
    [InlineData("""{"kind":"event_match","key":"content.m\\.relates_to","pattern":"x*"}""")]
    [InlineData("""{"kind":"event_property_is","key":"content.v","value":-9007199254740991}""")]
    [InlineData("""{"kind":"event_property_contains","key":"content.v","value":null}""")]
    [InlineData("""{"kind":"contains_display_name"}""")]
    [InlineData("""{"kind":"room_member_count","is":">=3"}""")]
    [InlineData("""{"kind":"sender_notification_permission","key":"room"}""")]
    public void Conditions_round_trip_in_the_spec_shape(string json)
    {
        PushCondition condition = JsonSerializer.Deserialize<PushCondition>(json)!;
        var options = new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        Assert.Equal(json, JsonSerializer.Serialize(condition, options));
    }
}
