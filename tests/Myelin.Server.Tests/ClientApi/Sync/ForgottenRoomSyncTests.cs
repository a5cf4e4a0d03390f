using Myelin.Server.Tests.ClientApi.Timeline;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.ClientApi.Sync.SyncClient;

namespace Myelin.Server.Tests.ClientApi.Sync;

public class ForgottenRoomSyncTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task A_forgotten_room_is_left_out_of_include_leave_syncs(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await kit.RoomAsync(alice);
        await kit.JoinAsync(room, bob);
        await kit.LeaveAsync(room, bob);
        const string includeLeave = """&filter={"room":{"include_leave":true}}""";

        var before = await bob.SyncAsync(query: includeLeave);
        Assert.NotNull(before["rooms"]!["leave"]![room.Value]);

        await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/rooms/{room}/forget", new { }));

        var after = await bob.SyncAsync(query: includeLeave);
        Assert.Null(after["rooms"]!["leave"]![room.Value]);
    }
}
