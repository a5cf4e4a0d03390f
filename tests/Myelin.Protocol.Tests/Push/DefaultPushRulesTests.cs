using System.Text.Json;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.Push;

namespace Myelin.Protocol.Tests.Push;

public class DefaultPushRulesTests
{
    private static readonly UserId Alice = UserId.Parse("@alice:example.org");

    [Fact]
    public void Default_ruleset_json_equals_the_rules_the_spec_lists_in_order()
    {
        JsonElement actual = JsonElement.Parse(PushRuleSet.CreateDefault(Alice).ToJsonBytes());
        JsonElement expected = JsonElement.Parse(SpecDefaultRules.Json.Replace(SpecDefaultRules.UserPlaceholder, Alice.Value, StringComparison.Ordinal));

        Assert.Equal(["global"], actual.EnumerateObject().Select(p => p.Name));
        JsonElement global = actual.GetProperty("global");
        Assert.Equal(["override", "content", "room", "sender", "underride"], global.EnumerateObject().Select(p => p.Name));
        foreach (JsonProperty kind in expected.EnumerateObject())
        {
            JsonElement[] want = [.. kind.Value.EnumerateArray()];
            JsonElement[] got = [.. global.GetProperty(kind.Name).EnumerateArray()];
            Assert.Equal(want.Select(r => r.GetProperty("rule_id").GetString()), got.Select(r => r.GetProperty("rule_id").GetString()));
            for (int i = 0; i < want.Length; i++)
            {
                Assert.True(JsonElement.DeepEquals(want[i], got[i]), $"{kind.Name}[{i}]:\nspec: {want[i]}\nours: {got[i]}");
            }
        }
    }

    [Fact]
    public void Default_rules_are_flagged_default_and_start_with_a_dot()
    {
        PushRuleSet set = PushRuleSet.CreateDefault(Alice);
        foreach (PushRuleKind kind in PushRuleKinds.InEvaluationOrder)
        {
            Assert.All(set.GetRules(kind), r => Assert.True(r.IsDefault && r.RuleId.StartsWith('.')));
        }
        Assert.Empty(set.GetRules(PushRuleKind.Content));
        Assert.Empty(set.GetRules(PushRuleKind.Room));
        Assert.Empty(set.GetRules(PushRuleKind.Sender));
    }

    [Fact]
    public void User_specific_rules_name_the_user()
    {
        string json = System.Text.Encoding.UTF8.GetString(PushRuleSet.CreateDefault(UserId.Parse("@bob:other.example")).ToJsonBytes());
        Assert.Contains("\"@bob:other.example\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", json, StringComparison.Ordinal);
    }
}
