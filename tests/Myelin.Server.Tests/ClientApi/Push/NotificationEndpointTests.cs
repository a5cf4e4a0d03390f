using System.Text.Json.Nodes;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Push;

/// <summary>spec: client-server "GET /notifications".</summary>
public class NotificationEndpointTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Notifications_are_listed_newest_first_with_actions_read_state_and_pagination(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.CreateUserAsync(displayName: "Alice");
        var bob = await server.CreateUserAsync(displayName: "Bob");
        string room = await alice.CreateRoomAsync(new { preset = "public_chat" });
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "join"));
        string first = await alice.SendMessageAsync(room, "first");
        var mention = await MatrixAssert.OkAsync(await alice.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/send/m.room.message/t1",
            new Dictionary<string, object> { ["msgtype"] = "m.text", ["body"] = "hey", ["m.mentions"] = new { user_ids = new[] { bob.UserId.Value } } }));
        string second = mention["event_id"]!.GetValue<string>();
        string third = await alice.SendMessageAsync(room, "third");

        var all = await MatrixAssert.OkAsync(await bob.GetAsync("/_matrix/client/v3/notifications"));
        var list = all["notifications"]!.AsArray();
        Assert.Equal([third, second, first], list.Select(n => n!["event"]!["event_id"]!.GetValue<string>()));
        Assert.False(all.ContainsKey("next_token"));
        var n2 = list[1]!.AsObject();
        Assert.Equal(room, n2["room_id"]!.GetValue<string>());
        Assert.False(n2["read"]!.GetValue<bool>());
        Assert.InRange(n2["ts"]!.GetValue<long>(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 120_000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 5000);
        var actions = n2["actions"]!.AsArray();
        Assert.Contains(actions, a => a is JsonValue v && v.GetValue<string>() == "notify");
        Assert.Contains(actions, a => a is JsonObject o && o["set_tweak"]!.GetValue<string>() == "highlight");
        Assert.Equal("hey", n2["event"]!["content"]!["body"]!.GetValue<string>());
        Assert.Equal(alice.UserId.Value, n2["event"]!["sender"]!.GetValue<string>());
        Assert.Equal("m.room.message", n2["event"]!["type"]!.GetValue<string>());
        Assert.False(n2["event"]!.AsObject().ContainsKey("room_id"));
        // Alice sent them all: nothing for her.
        Assert.Empty((await MatrixAssert.OkAsync(await alice.GetAsync("/_matrix/client/v3/notifications")))["notifications"]!.AsArray());

        var highlights = (await MatrixAssert.OkAsync(await bob.GetAsync("/_matrix/client/v3/notifications?only=highlight")))["notifications"]!.AsArray();
        Assert.Equal(second, Assert.Single(highlights)!["event"]!["event_id"]!.GetValue<string>());

        var page1 = await MatrixAssert.OkAsync(await bob.GetAsync("/_matrix/client/v3/notifications?limit=2"));
        Assert.Equal([third, second], page1["notifications"]!.AsArray().Select(n => n!["event"]!["event_id"]!.GetValue<string>()));
        string token = page1["next_token"]!.GetValue<string>();
        var page2 = await MatrixAssert.OkAsync(await bob.GetAsync($"/_matrix/client/v3/notifications?limit=2&from={Uri.EscapeDataString(token)}"));
        Assert.Equal(first, Assert.Single(page2["notifications"]!.AsArray())!["event"]!["event_id"]!.GetValue<string>());
        Assert.False(page2.ContainsKey("next_token"));

        // A read receipt on the second marks it and everything before it read.
        await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/receipt/m.read/{Uri.EscapeDataString(second)}", new { }));
        list = (await MatrixAssert.OkAsync(await bob.GetAsync("/_matrix/client/v3/notifications")))["notifications"]!.AsArray();
        Assert.Equal([false, true, true], list.Select(n => n!["read"]!.GetValue<bool>()));

        await MatrixAssert.ErrorAsync(await bob.GetAsync("/_matrix/client/v3/notifications?limit=abc"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await bob.GetAsync("/_matrix/client/v3/notifications?limit=0"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await bob.GetAsync("/_matrix/client/v3/notifications?from=not-a-token"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync("/_matrix/client/v3/notifications"), 401, "M_MISSING_TOKEN");
    }
}
