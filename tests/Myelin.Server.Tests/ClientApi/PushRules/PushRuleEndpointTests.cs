using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.ClientApi.Accounts.AccountRequests;

namespace Myelin.Server.Tests.ClientApi.PushRules;

public abstract class PushRuleEndpointTests
{
    protected abstract TestEngine Engine { get; }

    [Fact]
    public async Task Default_rules_are_served_for_a_new_user()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync();
        var all = await MatrixAssert.OkAsync(await user.GetAsync(V3 + "/pushrules/"));
        var overrides = all["global"]!["override"]!.AsArray();
        Assert.Equal(".m.rule.master", overrides[0]!["rule_id"]!.GetValue<string>());
        Assert.False(overrides[0]!["enabled"]!.GetValue<bool>());
        Assert.Contains(all["global"]!["underride"]!.AsArray(), r => r!["rule_id"]!.GetValue<string>() == ".m.rule.message");
        foreach (string kind in new[] { "override", "content", "room", "sender", "underride" })
        {
            Assert.NotNull(all["global"]![kind]);
        }
        var global = await MatrixAssert.OkAsync(await user.GetAsync(V3 + "/pushrules/global/"));
        Assert.Equal(overrides.Count, global["override"]!.AsArray().Count);
        var master = await MatrixAssert.OkAsync(await user.GetAsync(V3 + "/pushrules/global/override/.m.rule.master"));
        Assert.True(master["default"]!.GetValue<bool>());
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(V3 + "/pushrules/"), 401, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Rules_can_be_added_toggled_changed_and_deleted()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync();
        string rule = V3 + "/pushrules/global/room/" + Uri.EscapeDataString("!quiet:localhost");
        await MatrixAssert.OkAsync(await user.PutAsync(rule, new { actions = Array.Empty<object>() }));
        var stored = await MatrixAssert.OkAsync(await user.GetAsync(rule));
        Assert.False(stored["default"]!.GetValue<bool>());
        Assert.True((await MatrixAssert.OkAsync(await user.GetAsync(rule + "/enabled")))["enabled"]!.GetValue<bool>());

        await MatrixAssert.OkAsync(await user.PutAsync(rule + "/enabled", new { enabled = false }));
        Assert.False((await MatrixAssert.OkAsync(await user.GetAsync(rule + "/enabled")))["enabled"]!.GetValue<bool>());
        await MatrixAssert.OkAsync(await user.PutAsync(rule + "/actions", new { actions = new[] { "notify" } }));
        Assert.Equal("notify", (await MatrixAssert.OkAsync(await user.GetAsync(rule + "/actions")))["actions"]![0]!.GetValue<string>());

        // Server-default rules can be disabled but not deleted; the change shows in the full ruleset.
        await MatrixAssert.OkAsync(await user.PutAsync(V3 + "/pushrules/global/override/.m.rule.master/enabled", new { enabled = true }));
        var all = await MatrixAssert.OkAsync(await user.GetAsync(V3 + "/pushrules/"));
        Assert.True(all["global"]!["override"]![0]!["enabled"]!.GetValue<bool>());
        Assert.Contains(all["global"]!["room"]!.AsArray(), r => r!["rule_id"]!.GetValue<string>() == "!quiet:localhost");
        await MatrixAssert.ErrorAsync(await user.DeleteAsync(V3 + "/pushrules/global/override/.m.rule.master"), 400, "M_INVALID_PARAM");

        await MatrixAssert.OkAsync(await user.DeleteAsync(rule));
        await MatrixAssert.ErrorAsync(await user.GetAsync(rule), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await user.DeleteAsync(rule), 404, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Bad_push_rule_requests_get_spec_errors()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync();
        await MatrixAssert.ErrorAsync(await user.GetAsync(V3 + "/pushrules/global/sideways/x"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await user.GetAsync(V3 + "/pushrules/global/override/nope"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await user.PutAsync(V3 + "/pushrules/global/override/.reserved", new { actions = Array.Empty<object>(), conditions = Array.Empty<object>() }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await user.PutAsync(V3 + "/pushrules/global/content/kw", new { actions = Array.Empty<object>() }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await user.PutAsync(V3 + "/pushrules/global/content/kw?before=unknown", new { actions = Array.Empty<object>(), pattern = "cake" }), 400, "M_UNKNOWN");
        await MatrixAssert.ErrorAsync(await user.PutAsync(V3 + "/pushrules/global/override/.m.rule.master/enabled", new { enabled = "yes" }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await user.PutAsync(V3 + "/pushrules/global/override/.m.rule.master/enabled", new { }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await user.PutAsync(V3 + "/pushrules/global/override/.m.rule.master/actions", new { actions = "notify" }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await user.PutAsync(V3 + "/pushrules/global/override/missing/enabled", new { enabled = true }), 404, "M_NOT_FOUND");
    }
}

public sealed class PushRuleEndpointTests_Sqlite : PushRuleEndpointTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class PushRuleEndpointTests_Postgres : PushRuleEndpointTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
