using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.Streams;
using Myelin.Server.Tests.Support;
using Myelin.Storage;
using Myelin.Storage.Streams;
using static Myelin.Server.Tests.ClientApi.Accounts.AccountRequests;

namespace Myelin.Server.Tests.ClientApi.AccountData;

public abstract class AccountDataTests
{
    protected abstract TestEngine Engine { get; }

    private static string UserPath(TestUser user) => V3 + "/user/" + Uri.EscapeDataString(user.UserId.Value);

    [Fact]
    public async Task Global_and_room_account_data_round_trip_advance_the_stream_and_wake_sync()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync();
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        var notifier = server.Services.GetRequiredService<Notifier>();
        var before = await database.Streams.GetCurrentAsync(StreamName.AccountData);
        using var waiter = notifier.Register(user.UserId, []);

        await MatrixAssert.OkAsync(await user.PutAsync(UserPath(user) + "/account_data/org.example.settings", new { theme = "dark" }));
        Assert.True(waiter.IsWoken);
        Assert.True(await database.Streams.GetCurrentAsync(StreamName.AccountData) > before);
        var global = await MatrixAssert.OkAsync(await user.GetAsync(UserPath(user) + "/account_data/org.example.settings"));
        Assert.Equal("dark", global["theme"]!.GetValue<string>());

        string room = Uri.EscapeDataString("!room:localhost");
        await MatrixAssert.OkAsync(await user.PutAsync(UserPath(user) + $"/rooms/{room}/account_data/org.example.room", new { pinned = true }));
        Assert.True((await MatrixAssert.OkAsync(await user.GetAsync(UserPath(user) + $"/rooms/{room}/account_data/org.example.room")))["pinned"]!.GetValue<bool>());
        // Room data is separate from global data of the same type.
        await MatrixAssert.ErrorAsync(await user.GetAsync(UserPath(user) + "/account_data/org.example.room"), 404, "M_NOT_FOUND");

        var changed = await database.AccountData.GetChangedSinceAsync(user.UserId, before);
        Assert.Equal(2, changed.Count);
    }

    [Fact]
    public async Task Account_data_errors_follow_the_spec()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync();
        var other = await server.RegisterAsync();
        string room = Uri.EscapeDataString("!room:localhost");

        await MatrixAssert.ErrorAsync(await user.GetAsync(UserPath(user) + "/account_data/org.example.unset"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await other.GetAsync(UserPath(user) + "/account_data/org.example.x"), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await other.PutAsync(UserPath(user) + "/account_data/org.example.x", new { }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await user.PutAsync(UserPath(user) + "/account_data/org.example.x", "[1]"), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await user.PutAsync(UserPath(user) + "/account_data/org.example.x", "nope"), 400, "M_NOT_JSON");
        await MatrixAssert.ErrorAsync(await user.PutAsync(UserPath(user) + "/account_data/m.push_rules", new { global = new { } }), 405, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await user.PutAsync(UserPath(user) + "/account_data/m.fully_read", new { event_id = "$x" }), 405, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await user.PutAsync(UserPath(user) + $"/rooms/{room}/account_data/m.fully_read", new { event_id = "$x" }), 405, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await user.PutAsync(UserPath(user) + "/rooms/not-a-room/account_data/org.example.x", new { }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await user.GetAsync(UserPath(user) + "/rooms/not-a-room/account_data/org.example.x"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(UserPath(user) + "/account_data/org.example.x"), 401, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Ignore_list_shape_is_validated()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync();
        string path = UserPath(user) + "/account_data/m.ignored_user_list";
        await MatrixAssert.OkAsync(await user.PutAsync(path, """{"ignored_users": {"@spammer:example.org": {}}}"""));
        var stored = await MatrixAssert.OkAsync(await user.GetAsync(path));
        Assert.NotNull(stored["ignored_users"]!["@spammer:example.org"]);

        await MatrixAssert.ErrorAsync(await user.PutAsync(path, """{}"""), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await user.PutAsync(path, """{"ignored_users": ["@spammer:example.org"]}"""), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await user.PutAsync(path, """{"ignored_users": {"spammer": {}}}"""), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await user.PutAsync(path, """{"ignored_users": {"@spammer:example.org": true}}"""), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await user.PutAsync(path, "{\"ignored_users\": {\"" + user.UserId.Value + "\": {}}}"), 400, "M_BAD_JSON");
    }

    [Fact]
    public async Task Tags_are_added_listed_and_removed_as_m_tag_room_account_data()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync();
        var other = await server.RegisterAsync();
        string room = Uri.EscapeDataString("!room:localhost");
        string tags = UserPath(user) + $"/rooms/{room}/tags";

        Assert.Empty((await MatrixAssert.OkAsync(await user.GetAsync(tags)))["tags"]!.AsObject());
        await MatrixAssert.OkAsync(await user.PutAsync(tags + "/m.favourite", new { order = 0.25 }));
        await MatrixAssert.OkAsync(await user.PutAsync(tags + "/u.work", new { }));
        var listed = (await MatrixAssert.OkAsync(await user.GetAsync(tags)))["tags"]!.AsObject();
        Assert.Equal(0.25, listed["m.favourite"]!["order"]!.GetValue<double>());
        Assert.NotNull(listed["u.work"]);
        var asAccountData = await MatrixAssert.OkAsync(await user.GetAsync(UserPath(user) + $"/rooms/{room}/account_data/m.tag"));
        Assert.Equal(2, asAccountData["tags"]!.AsObject().Count);

        await MatrixAssert.OkAsync(await user.DeleteAsync(tags + "/u.work"));
        await MatrixAssert.OkAsync(await user.DeleteAsync(tags + "/u.never-set"));
        Assert.Single((await MatrixAssert.OkAsync(await user.GetAsync(tags)))["tags"]!.AsObject());

        await MatrixAssert.ErrorAsync(await user.PutAsync(tags + "/m.lowpriority", new { order = "high" }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await user.PutAsync(tags + "/" + new string('t', 300), new { }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await other.GetAsync(tags), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await other.PutAsync(tags + "/m.favourite", new { }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await user.GetAsync(UserPath(user) + "/rooms/bad/tags"), 400, "M_INVALID_PARAM");
    }
}

public sealed class AccountDataTests_Sqlite : AccountDataTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class AccountDataTests_Postgres : AccountDataTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
