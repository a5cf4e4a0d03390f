using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.Ephemeral;
using Myelin.Server.Tests.ClientApi.Timeline;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Typing;

public class TypingEndpointTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Members_set_their_own_typing_state_and_everything_else_is_refused(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var typing = server.Services.GetRequiredService<TypingTracker>();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await kit.RoomAsync(alice);
        string path = $"/_matrix/client/v3/rooms/{room}/typing/{alice.UserId}";

        await MatrixAssert.OkAsync(await alice.PutAsync(path, new { typing = true, timeout = 30000 }));
        Assert.Equal([alice.UserId], typing.GetTyping(room, 0).Users);
        await MatrixAssert.OkAsync(await alice.PutAsync(path, new { typing = false }));
        Assert.Empty(typing.GetTyping(room, 0).Users);

        await MatrixAssert.ErrorAsync(await bob.PutAsync(path, new { typing = true }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await bob.PutAsync($"/_matrix/client/v3/rooms/{room}/typing/{bob.UserId}", new { typing = true }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(path, new { }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(path, new { typing = "yes" }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(path, new { typing = true, timeout = "soon" }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PutAsync($"/_matrix/client/v3/rooms/bad/typing/{alice.UserId}", new { typing = true }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PutAsync($"/_matrix/client/v3/rooms/{room}/typing/nobody", new { typing = true }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.SendAsync(HttpMethod.Put, path, "{"), 400, "M_NOT_JSON");
        await MatrixAssert.ErrorAsync(await server.Http.PutAsync(path, null), 401, "M_MISSING_TOKEN");
    }
}
