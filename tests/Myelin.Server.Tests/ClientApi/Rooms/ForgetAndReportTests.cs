using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.Support;
using Myelin.Storage;

namespace Myelin.Server.Tests.ClientApi.Rooms;

public class ForgetAndReportTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Forget_needs_the_user_to_have_left(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        string room = await alice.CreateRoomAsync(new { preset = "public_chat" });
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "join"));

        await MatrixAssert.ErrorAsync(await bob.RoomPostAsync(room, "forget"), 400, "M_UNKNOWN");
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "leave"));
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "forget"));
        Assert.True(await database.ForgottenRooms.IsForgottenAsync(bob.UserId, RoomId.Parse(room)));

        // Rejoining brings the room back.
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "join"));
        Assert.False(await database.ForgottenRooms.IsForgottenAsync(bob.UserId, RoomId.Parse(room)));
        await MatrixAssert.ErrorAsync(await bob.PostAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString($"!nope:{server.ServerName}")}/forget", new { }), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await bob.PostAsync("/_matrix/client/v3/rooms/bad/forget", new { }), 400, "M_INVALID_PARAM");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Rooms_and_events_can_be_reported(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        string room = await alice.CreateRoomAsync(new { preset = "public_chat" });
        string message = await alice.SendMessageAsync(room, "offensive");

        // Rooms: the reporter need not be joined; reason is required (blank allowed).
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "report", new { reason = "" }));
        await MatrixAssert.ErrorAsync(await bob.RoomPostAsync(room, "report", new { }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await bob.PostAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString($"!nope:{server.ServerName}")}/report", new { reason = "x" }), 404, "M_NOT_FOUND");

        // Events: only members; unknown events and non-members get the same 404.
        string eventPath = $"report/{Uri.EscapeDataString(message)}";
        await MatrixAssert.ErrorAsync(await bob.RoomPostAsync(room, eventPath, new { reason = "rude" }), 404, "M_NOT_FOUND");
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "join"));
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, eventPath, new { reason = "rude", score = -100 }));
        await MatrixAssert.ErrorAsync(await bob.RoomPostAsync(room, "report/%24unknown", new { reason = "rude" }), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await bob.RoomPostAsync(room, eventPath, new { score = 5 }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await bob.RoomPostAsync(room, eventPath, new { reason = 1 }), 400, "M_BAD_JSON");

        var reports = await database.RoomReports.ListAsync(10);
        Assert.Equal(2, reports.Count);
        Assert.Equal(EventId.Parse(message), reports[0].EventId);
        Assert.Equal("rude", reports[0].Reason);
        Assert.Equal(-100, reports[0].Score);
        Assert.Null(reports[1].EventId);
        Assert.Equal(bob.UserId, reports[1].Reporter);
    }
}
