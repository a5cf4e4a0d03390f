using System.Text.Json.Nodes;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Push;

/// <summary>spec: client-server "GET /pushers", "POST /pushers/set".</summary>
public class PusherEndpointTests
{
    private const string Url = "https://push.example.org/_matrix/push/v1/notify";

    private static async Task<JsonArray> PushersAsync(TestUser user) =>
        (await MatrixAssert.OkAsync(await user.GetAsync("/_matrix/client/v3/pushers")))["pushers"]!.AsArray();

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Pushers_are_created_updated_listed_and_deleted(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        Assert.Empty(await PushersAsync(alice));

        await MatrixAssert.OkAsync(await alice.PostAsync("/_matrix/client/v3/pushers/set",
            PushTestServer.HttpPusher(Url, "key1", new Dictionary<string, object> { ["url"] = Url, ["format"] = "event_id_only", ["custom"] = 1 })));
        var pusher = Assert.Single(await PushersAsync(alice))!.AsObject();
        Assert.Equal("key1", pusher["pushkey"]!.GetValue<string>());
        Assert.Equal("http", pusher["kind"]!.GetValue<string>());
        Assert.Equal("org.example.app", pusher["app_id"]!.GetValue<string>());
        Assert.Equal("Example", pusher["app_display_name"]!.GetValue<string>());
        Assert.Equal("Phone", pusher["device_display_name"]!.GetValue<string>());
        Assert.Equal("tag1", pusher["profile_tag"]!.GetValue<string>());
        Assert.Equal("en", pusher["lang"]!.GetValue<string>());
        Assert.Equal(Url, pusher["data"]!["url"]!.GetValue<string>());
        Assert.Equal("event_id_only", pusher["data"]!["format"]!.GetValue<string>());
        Assert.Equal(1, pusher["data"]!["custom"]!.GetValue<int>());

        // Same app_id + pushkey updates in place.
        var update = (Dictionary<string, object?>)PushTestServer.HttpPusher(Url, "key1");
        update["lang"] = "de";
        await MatrixAssert.OkAsync(await alice.PostAsync("/_matrix/client/v3/pushers/set", update));
        Assert.Equal("de", Assert.Single(await PushersAsync(alice))!["lang"]!.GetValue<string>());

        // append=false takes the pushkey over from other users; append=true shares it.
        await MatrixAssert.OkAsync(await bob.PostAsync("/_matrix/client/v3/pushers/set", PushTestServer.HttpPusher(Url, "key1", append: true)));
        Assert.Single(await PushersAsync(alice));
        await MatrixAssert.OkAsync(await bob.PostAsync("/_matrix/client/v3/pushers/set", PushTestServer.HttpPusher(Url, "key1")));
        Assert.Empty(await PushersAsync(alice));
        Assert.Single(await PushersAsync(bob));

        // kind null deletes (and deleting an unknown pusher is not an error).
        await MatrixAssert.OkAsync(await bob.PostAsync("/_matrix/client/v3/pushers/set",
            new Dictionary<string, object?> { ["kind"] = null, ["app_id"] = "org.example.app", ["pushkey"] = "key1" }));
        Assert.Empty(await PushersAsync(bob));
        await MatrixAssert.OkAsync(await bob.PostAsync("/_matrix/client/v3/pushers/set",
            new Dictionary<string, object?> { ["kind"] = null, ["app_id"] = "org.example.app", ["pushkey"] = "key1" }));

        // r0 serves it too.
        await MatrixAssert.OkAsync(await bob.GetAsync("/_matrix/client/r0/pushers"));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Invalid_pushers_are_refused_with_the_spec_errors(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.RegisterAsync();
        const string set = "/_matrix/client/v3/pushers/set";

        Dictionary<string, object?> Body(Action<Dictionary<string, object?>> change)
        {
            var body = (Dictionary<string, object?>)PushTestServer.HttpPusher(Url, "k");
            change(body);
            return body;
        }

        var missing = await MatrixAssert.ErrorAsync(await alice.PostAsync(set, Body(b => { b.Remove("lang"); b.Remove("data"); })), 400, "M_MISSING_PARAM");
        Assert.Contains("lang", missing["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("data", missing["error"]!.GetValue<string>(), StringComparison.Ordinal);
        await MatrixAssert.ErrorAsync(await alice.PostAsync(set, Body(b => b.Remove("kind"))), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(set, Body(b => b.Remove("pushkey"))), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(set, Body(b => b.Remove("app_display_name"))), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(set, Body(b => b["data"] = new { format = "event_id_only" })), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(set, Body(b => b["data"] = new { url = "https://push.example.org/wrong/path" })), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(set, Body(b => b["data"] = new { url = "ftp://push.example.org/_matrix/push/v1/notify" })), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(set, Body(b => b["data"] = new { url = "not a url" })), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(set, Body(b => b["data"] = new { url = 5 })), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(set, Body(b => b["data"] = "x")), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(set, Body(b => b["kind"] = 5)), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(set, Body(b => b["kind"] = "carrier-pigeon")), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(set, Body(b => { b["kind"] = "email"; b["app_id"] = "m.email"; b["pushkey"] = "a@example.org"; })), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(set, Body(b => b["append"] = "yes")), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(set, Body(b => b["app_id"] = new string('a', 65))), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(set, Body(b => b["pushkey"] = new string('k', 513))), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(set, Body(b => b["lang"] = 7)), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.SendAsync(HttpMethod.Post, set, "[]"), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.SendAsync(HttpMethod.Post, set, "nope"), 400, "M_NOT_JSON");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync("/_matrix/client/v3/pushers"), 401, "M_MISSING_TOKEN");
        await MatrixAssert.ErrorAsync(await server.Http.PostAsync(set, null), 401, "M_MISSING_TOKEN");
        Assert.Empty(await PushersAsync(alice));

        // Plain http URLs are accepted (gateways on a trusted network); a 512-byte pushkey is the limit, not over it.
        await MatrixAssert.OkAsync(await alice.PostAsync(set, Body(b => { b["data"] = new { url = "http://gw.example.org:8080/_matrix/push/v1/notify" }; b["pushkey"] = new string('k', 512); })));
        Assert.Single(await PushersAsync(alice));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Logging_out_the_device_or_deactivating_removes_its_pushers(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.RegisterAsync();
        await MatrixAssert.OkAsync(await alice.PostAsync("/_matrix/client/v3/pushers/set", PushTestServer.HttpPusher(Url, "first-device")));
        var second = await LoginAsync(server, alice);
        await MatrixAssert.OkAsync(await second.PostAsync("/_matrix/client/v3/pushers/set", PushTestServer.HttpPusher(Url, "second-device")));
        Assert.Equal(2, (await PushersAsync(alice)).Count);

        await MatrixAssert.OkAsync(await alice.PostAsync("/_matrix/client/v3/logout", new { }));
        var left = Assert.Single(await PushersAsync(second))!;
        Assert.Equal("second-device", left["pushkey"]!.GetValue<string>());

        var challenge = await second.PostAsync("/_matrix/client/v3/account/deactivate", new { });
        string session = JsonNode.Parse(await challenge.Content.ReadAsStringAsync())!["session"]!.GetValue<string>();
        await MatrixAssert.OkAsync(await second.PostAsync("/_matrix/client/v3/account/deactivate",
            new { auth = new { type = "m.login.password", identifier = new { type = "m.id.user", user = alice.UserId.Value }, password = alice.Password, session } }));
        var third = await server.RegisterAsync();
        Assert.Empty(await PushersAsync(third));
        var database = (Myelin.Storage.MyelinDatabase)server.Services.GetService(typeof(Myelin.Storage.MyelinDatabase))!;
        Assert.Empty(await database.Pushers.GetForUserAsync(alice.UserId));
    }

    private static async Task<TestUser> LoginAsync(TestHomeserver server, TestUser user)
    {
        var response = await server.Http.PostAsync("/_matrix/client/v3/login", new StringContent(
            System.Text.Json.JsonSerializer.Serialize(new { type = "m.login.password", identifier = new { type = "m.id.user", user = user.UserId.Value }, password = user.Password }),
            System.Text.Encoding.UTF8, "application/json"));
        var body = await MatrixAssert.OkAsync(response);
        return new TestUser(server, user.UserId, body["access_token"]!.GetValue<string>(), body["device_id"]!.GetValue<string>(), user.Password);
    }
}
