using System.Text.Json.Nodes;
using Myelin.Server.ClientApi.Spaces;
using Myelin.Server.Tests.ClientApi.Timeline;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Spaces;

public class MutualRoomsTests
{
    private static string Mutual(string query) => "/_matrix/client/v1/mutual_rooms?" + query;

    private static List<string> Joined(JsonObject body) => body["joined"]!.AsArray().Select(r => r!.GetValue<string>()).ToList();

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Lists_rooms_both_users_are_joined_to(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var bob = await kit.UserAsync("bob");
        var shared1 = await kit.RoomAsync(alice);
        var shared2 = await kit.RoomAsync(bob);
        var aliceOnly = await kit.RoomAsync(alice);
        var left = await kit.RoomAsync(alice);
        var invited = await kit.RoomAsync(alice);
        await kit.JoinAsync(shared1, bob);
        await kit.JoinAsync(shared2, alice);
        await kit.JoinAsync(left, bob);
        await kit.LeaveAsync(left, bob);
        await kit.InviteAsync(invited, alice, bob);
        _ = aliceOnly;

        var body = await MatrixAssert.OkAsync(await alice.GetAsync(Mutual($"user_id={Uri.EscapeDataString(bob.UserId.Value)}")));
        Assert.Equal(new[] { shared1.Value, shared2.Value }.Order(StringComparer.Ordinal), Joined(body));
        Assert.Equal(2, body["count"]!.GetValue<int>());
        Assert.False(body.ContainsKey("next_batch"));

        // spec: an unknown user shares no rooms: an empty list.
        var nobody = await MatrixAssert.OkAsync(await alice.GetAsync(Mutual("user_id=@nobody:localhost")));
        Assert.Empty(Joined(nobody));
        Assert.Equal(0, nobody["count"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Batches_continue_with_next_batch(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var bob = await kit.UserAsync("bob");
        var rooms = new List<string>();
        for (int i = 0; i < MutualRoomsEndpoints.BatchSize + 3; i++)
        {
            var room = await kit.Writer.CreateRoomAsync(Protocol.RoomVersions.KnownRoomVersions.V12, alice.UserId,
                TimelineTestKit.Json(new Dictionary<string, object> { ["room_version"] = "12" }), CancellationToken.None);
            await kit.JoinAsync(room, alice);
            await kit.StateAsync(room, alice, "m.room.join_rules", "", new { join_rule = "public" });
            await kit.JoinAsync(room, bob);
            rooms.Add(room.Value);
        }
        rooms.Sort(StringComparer.Ordinal);

        string query = $"user_id={Uri.EscapeDataString(alice.UserId.Value)}";
        var first = await MatrixAssert.OkAsync(await bob.GetAsync(Mutual(query)));
        Assert.Equal(rooms.Take(MutualRoomsEndpoints.BatchSize), Joined(first));
        Assert.Equal(rooms.Count, first["count"]!.GetValue<int>());
        string next = first["next_batch"]!.GetValue<string>();
        var second = await MatrixAssert.OkAsync(await bob.GetAsync(Mutual($"{query}&from={Uri.EscapeDataString(next)}")));
        Assert.Equal(rooms.Skip(MutualRoomsEndpoints.BatchSize), Joined(second));
        Assert.Equal(rooms.Count, second["count"]!.GetValue<int>());
        Assert.False(second.ContainsKey("next_batch"));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Bad_requests_are_rejected(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");

        await MatrixAssert.ErrorAsync(await alice.GetAsync(Mutual("")), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(Mutual("user_id=bob")), 400, "M_INVALID_PARAM");
        // A historical (non-compliant) user ID: spec 400.
        await MatrixAssert.ErrorAsync(await alice.GetAsync(Mutual("user_id=" + Uri.EscapeDataString("@Bob Smith:localhost"))), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(Mutual("user_id=" + Uri.EscapeDataString(alice.UserId.Value))), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(Mutual("user_id=@bob:localhost&from=garbage")), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(Mutual("user_id=@bob:localhost")), 401, "M_MISSING_TOKEN");
    }
}
