using Myelin.Server.Configuration;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Rooms;

public class SendRateLimitTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Sending_faster_than_rc_message_allows_answers_M_LIMIT_EXCEEDED_with_retry_after_ms(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine, c => c with
        {
            RateLimiting = new RateLimitingConfig
            {
                Enabled = true,
                Message = new RateLimitConfig(PerSecond: 0.1, BurstCount: 3),
                Registration = new RateLimitConfig(100, 100),
                Login = new RateLimitConfig(100, 100),
            },
        });
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        // createRoom counts as one message action (as in Synapse).
        var room = (await MatrixAssert.OkAsync(await alice.PostAsync("/_matrix/client/v3/createRoom", new { })))["room_id"]!.GetValue<string>();

        await MatrixAssert.OkAsync(await alice.PutAsync($"/_matrix/client/v3/rooms/{room}/send/m.room.message/t1", new { msgtype = "m.text", body = "1" }));
        await MatrixAssert.OkAsync(await alice.PutAsync($"/_matrix/client/v3/rooms/{room}/send/m.room.message/t2", new { msgtype = "m.text", body = "2" }));
        var limited = await alice.PutAsync($"/_matrix/client/v3/rooms/{room}/send/m.room.message/t3", new { msgtype = "m.text", body = "3" });

        var error = await MatrixAssert.ErrorAsync(limited, 429, "M_LIMIT_EXCEEDED");
        Assert.True(error["retry_after_ms"]!.GetValue<long>() > 0);
        Assert.True(limited.Headers.RetryAfter is not null, "Retry-After header");

        // The limit is per user: bob is not affected by alice's sends.
        var bobRoom = await bob.PostAsync("/_matrix/client/v3/createRoom", new { });
        await MatrixAssert.OkAsync(bobRoom);
    }
}
