using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Server.Rooms;
using Myelin.Server.Tests.ClientApi.Timeline;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Spaces;

public class SpaceHierarchyTests
{
    private static string Hierarchy(RoomId room, string query = "") => $"/_matrix/client/v1/rooms/{Uri.EscapeDataString(room.Value)}/hierarchy?{query}";

    private static List<string> RoomIds(JsonObject body) => body["rooms"]!.AsArray().Select(r => r!["room_id"]!.GetValue<string>()).ToList();

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Walks_space_children_in_order_with_depth_suggested_and_pagination(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var bob = await kit.UserAsync("bob");
        var space = await kit.Writer.CreateRoomAsync(KnownRoomVersions.V12, alice.UserId,
            TimelineTestKit.Json(new Dictionary<string, object> { ["room_version"] = "12", ["type"] = "m.space" }), CancellationToken.None);
        await kit.JoinAsync(space, alice);
        await kit.StateAsync(space, alice, "m.room.join_rules", "", new { join_rule = "public" });
        await kit.StateAsync(space, alice, "m.room.name", "", new { name = "The space" });
        var a = await kit.RoomAsync(alice);
        var b = await kit.RoomAsync(alice);
        var secret = await kit.RoomAsync(alice, joinRule: "invite");
        var nested = await kit.RoomAsync(alice);
        string via = server.ServerName.Value;
        await kit.StateAsync(space, alice, "m.space.child", b.Value, new { via = new[] { via }, order = "a" });
        await kit.StateAsync(space, alice, "m.space.child", a.Value, new { via = new[] { via }, suggested = true });
        await kit.StateAsync(space, alice, "m.space.child", secret.Value, new { via = new[] { via } });
        await kit.StateAsync(space, alice, "m.space.child", "!removed:localhost", new { });
        await kit.StateAsync(b, alice, "m.space.child", nested.Value, new { via = new[] { via } });

        // Bob may preview public rooms; the invite-only room is left out for him.
        var body = await MatrixAssert.OkAsync(await bob.GetAsync(Hierarchy(space)));
        Assert.Equal([space.Value, b.Value, a.Value, nested.Value], RoomIds(body));
        var top = body["rooms"]![0]!;
        Assert.Equal("The space", top["name"]!.GetValue<string>());
        Assert.Equal("m.space", top["room_type"]!.GetValue<string>());
        Assert.Equal("public", top["join_rule"]!.GetValue<string>());
        Assert.Equal(1, top["num_joined_members"]!.GetValue<int>());
        Assert.False(top["world_readable"]!.GetValue<bool>());
        Assert.Equal("12", top["room_version"]!.GetValue<string>());
        Assert.Equal([b.Value, a.Value, secret.Value], top["children_state"]!.AsArray().Select(c => c!["state_key"]!.GetValue<string>()));
        Assert.NotNull(top["children_state"]![0]!["origin_server_ts"]);
        Assert.Empty(body["rooms"]![2]!["children_state"]!.AsArray());
        Assert.Null(body["next_batch"]);

        Assert.Contains(secret.Value, RoomIds(await MatrixAssert.OkAsync(await alice.GetAsync(Hierarchy(space)))));
        Assert.Equal([space.Value, b.Value, a.Value], RoomIds(await MatrixAssert.OkAsync(await bob.GetAsync(Hierarchy(space, "max_depth=1")))));
        Assert.Equal([space.Value], RoomIds(await MatrixAssert.OkAsync(await bob.GetAsync(Hierarchy(space, "max_depth=0")))));
        Assert.Equal([space.Value, a.Value], RoomIds(await MatrixAssert.OkAsync(await bob.GetAsync(Hierarchy(space, "suggested_only=true")))));

        var page1 = await MatrixAssert.OkAsync(await bob.GetAsync(Hierarchy(space, "limit=3")));
        Assert.Equal([space.Value, b.Value, a.Value], RoomIds(page1));
        string next = page1["next_batch"]!.GetValue<string>();
        var page2 = await MatrixAssert.OkAsync(await bob.GetAsync(Hierarchy(space, $"limit=3&from={next}")));
        Assert.Equal([nested.Value], RoomIds(page2));
        Assert.Null(page2["next_batch"]);
        await MatrixAssert.ErrorAsync(await bob.GetAsync(Hierarchy(space, $"limit=3&from={next}&max_depth=1")), 400, "M_INVALID_PARAM");

        await MatrixAssert.ErrorAsync(await bob.GetAsync(Hierarchy(secret)), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await bob.GetAsync(Hierarchy(RoomId.Parse("!nowhere:localhost"))), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await bob.GetAsync(Hierarchy(space, "limit=0")), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await bob.GetAsync(Hierarchy(space, "max_depth=-1")), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await bob.GetAsync(Hierarchy(space, "suggested_only=yes")), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await bob.GetAsync("/_matrix/client/v1/rooms/bad/hierarchy"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(Hierarchy(space)), 401, "M_MISSING_TOKEN");
    }
}
