using System.Text.Json.Nodes;
using Myelin.Server.Tests.ClientApi.Sync;
using Myelin.Server.Tests.ClientApi.Timeline;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Presence;

public class PresenceEndpointTests
{
    private static string StatusPath(object user) => $"/_matrix/client/v3/presence/{user}/status";

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Presence_is_set_by_its_owner_read_by_room_mates_and_synced(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var stranger = await server.RegisterAsync();
        var room = await kit.RoomAsync(alice);
        await kit.JoinAsync(room, bob);
        string bobToken = SyncClient.NextBatch(await bob.SyncAsync(null, "set_presence=offline"));

        await MatrixAssert.OkAsync(await alice.PutAsync(StatusPath(alice.UserId), new { presence = "unavailable", status_msg = "lunch" }));
        var own = await MatrixAssert.OkAsync(await alice.GetAsync(StatusPath(alice.UserId)));
        Assert.Equal("unavailable", own["presence"]!.GetValue<string>());
        Assert.Equal("lunch", own["status_msg"]!.GetValue<string>());
        Assert.NotNull(own["last_active_ago"]);
        var seenByBob = await MatrixAssert.OkAsync(await bob.GetAsync(StatusPath(alice.UserId)));
        Assert.Equal("unavailable", seenByBob["presence"]!.GetValue<string>());

        // bob's sync carries alice's m.presence.
        var sync = await bob.SyncAsync(bobToken, "set_presence=offline&timeout=5000");
        var presence = sync["presence"]!["events"]!.AsArray().Select(e => e!.AsObject()).Single(e => e["sender"]!.GetValue<string>() == alice.UserId.Value);
        Assert.Equal("m.presence", presence["type"]!.GetValue<string>());
        Assert.Equal("lunch", presence["content"]!["status_msg"]!.GetValue<string>());

        // A user who never set presence reads as offline.
        Assert.Equal("offline", (await MatrixAssert.OkAsync(await alice.GetAsync(StatusPath(bob.UserId))))["presence"]!.GetValue<string>());

        await MatrixAssert.ErrorAsync(await stranger.GetAsync(StatusPath(alice.UserId)), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(StatusPath("@ghost:localhost")), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(StatusPath("@ghost:elsewhere.example")), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await bob.PutAsync(StatusPath(alice.UserId), new { presence = "online" }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(StatusPath(alice.UserId), new { presence = "busy" }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(StatusPath(alice.UserId), new { status_msg = "x" }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(StatusPath(alice.UserId), new { presence = "online", status_msg = 3 }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(StatusPath("not-a-user")), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(StatusPath(alice.UserId)), 401, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Disabled_presence_accepts_updates_and_reports_offline()
    {
        await using var server = await TestHomeserver.StartAsync(configure: c => c with { PresenceEnabled = false });
        var alice = await server.RegisterAsync();
        await MatrixAssert.OkAsync(await alice.PutAsync(StatusPath(alice.UserId), new { presence = "online", status_msg = "here" }));
        JsonObject status = await MatrixAssert.OkAsync(await alice.GetAsync(StatusPath(alice.UserId)));
        Assert.Equal("offline", status["presence"]!.GetValue<string>());
        Assert.Empty((await alice.SyncAsync())["presence"]!["events"]!.AsArray());
    }
}
