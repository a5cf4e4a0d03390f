using System.Text.Json;
using Myelin.Server.Accounts;

namespace Myelin.Server.Tests.Accounts;

public class UserInteractiveAuthTests
{
    private static readonly UiaFlow[] DummyOrToken = [new(["m.login.dummy"]), new(["m.login.registration_token", "m.login.dummy"])];

    private static JsonElement? Auth(string json) => JsonDocument.Parse(json).RootElement;

    private static ValueTask<UiaStageResult> Check(string type, JsonElement auth) =>
        ValueTask.FromResult(type == "m.login.registration_token" && auth.GetProperty("token").GetString() != "good"
            ? UiaStageResult.Fail("M_FORBIDDEN", "bad token")
            : UiaStageResult.Ok);

    [Fact]
    public async Task No_auth_dict_returns_the_flows_and_a_session()
    {
        var uia = new UserInteractiveAuth();
        var outcome = await uia.ProcessAsync(null, DummyOrToken, "register", Check);
        Assert.False(outcome.Authenticated);
        var body = outcome.Challenge!;
        Assert.Equal(2, body["flows"]!.AsArray().Count);
        Assert.Equal("m.login.dummy", body["flows"]![0]!["stages"]![0]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(body["session"]!.GetValue<string>()));
        Assert.NotNull(body["params"]);
        Assert.Null(body["errcode"]);
    }

    [Fact]
    public async Task Completing_a_one_stage_flow_authenticates()
    {
        var uia = new UserInteractiveAuth();
        var first = await uia.ProcessAsync(null, DummyOrToken, "register", Check);
        var outcome = await uia.ProcessAsync(Auth($$"""{"type":"m.login.dummy","session":"{{first.SessionId}}"}"""), DummyOrToken, "register", Check);
        Assert.True(outcome.Authenticated);
    }

    [Fact]
    public async Task Multi_stage_flow_reports_completed_stages_and_errors()
    {
        var uia = new UserInteractiveAuth();
        UiaFlow[] tokenOnly = [new(["m.login.registration_token", "m.login.dummy"])];
        var first = await uia.ProcessAsync(null, tokenOnly, "register", Check);

        var bad = await uia.ProcessAsync(Auth($$"""{"type":"m.login.registration_token","token":"nope","session":"{{first.SessionId}}"}"""), tokenOnly, "register", Check);
        Assert.False(bad.Authenticated);
        Assert.Equal("M_FORBIDDEN", bad.Challenge!["errcode"]!.GetValue<string>());
        Assert.Null(bad.Challenge["completed"]);

        var outOfOrder = await uia.ProcessAsync(Auth($$"""{"type":"m.login.dummy","session":"{{first.SessionId}}"}"""), tokenOnly, "register", Check);
        Assert.False(outOfOrder.Authenticated);
        Assert.Equal("M_FORBIDDEN", outOfOrder.Challenge!["errcode"]!.GetValue<string>());

        var good = await uia.ProcessAsync(Auth($$"""{"type":"m.login.registration_token","token":"good","session":"{{first.SessionId}}"}"""), tokenOnly, "register", Check);
        Assert.False(good.Authenticated);
        Assert.Equal("m.login.registration_token", good.Challenge!["completed"]![0]!.GetValue<string>());

        var done = await uia.ProcessAsync(Auth($$"""{"type":"m.login.dummy","session":"{{first.SessionId}}"}"""), tokenOnly, "register", Check);
        Assert.True(done.Authenticated);
        Assert.Equal("good", done.StageResults["m.login.registration_token"].GetProperty("token").GetString());
    }

    [Fact]
    public async Task A_session_is_bound_to_its_scope_and_used_once()
    {
        var uia = new UserInteractiveAuth();
        var first = await uia.ProcessAsync(null, DummyOrToken, "delete_device:A", Check);
        var elsewhere = await uia.ProcessAsync(Auth($$"""{"session":"{{first.SessionId}}"}"""), DummyOrToken, "delete_device:B", Check);
        Assert.NotEqual(first.SessionId, elsewhere.SessionId);

        var done = await uia.ProcessAsync(Auth($$"""{"type":"m.login.dummy","session":"{{first.SessionId}}"}"""), DummyOrToken, "delete_device:A", Check);
        Assert.True(done.Authenticated);
        var replay = await uia.ProcessAsync(Auth($$"""{"session":"{{first.SessionId}}"}"""), DummyOrToken, "delete_device:A", Check);
        Assert.False(replay.Authenticated);
    }

    [Fact]
    public async Task Unknown_stage_types_are_rejected()
    {
        var uia = new UserInteractiveAuth();
        var outcome = await uia.ProcessAsync(Auth("""{"type":"m.login.magic"}"""), DummyOrToken, "register", Check);
        Assert.False(outcome.Authenticated);
        Assert.Equal("M_UNRECOGNIZED", outcome.Challenge!["errcode"]!.GetValue<string>());
    }
}
