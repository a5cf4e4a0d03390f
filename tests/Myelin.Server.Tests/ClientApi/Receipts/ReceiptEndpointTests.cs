using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Events;
using Myelin.Server.Tests.ClientApi.Timeline;
using Myelin.Server.Tests.Support;
using Myelin.Storage;

namespace Myelin.Server.Tests.ClientApi.Receipts;

public class ReceiptEndpointTests
{
    private static string ReceiptPath(object room, string type, string eventId) =>
        $"/_matrix/client/v3/rooms/{room}/receipt/{type}/{Uri.EscapeDataString(eventId)}";

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Receipts_and_read_markers_are_stored_and_bad_requests_refused(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        var alice = await server.RegisterAsync();
        var outsider = await server.RegisterAsync();
        var room = await kit.RoomAsync(alice);
        var first = await kit.MessageAsync(room, alice, "one");
        var second = await kit.MessageAsync(room, alice, "two");
        var other = await kit.RoomAsync(alice);
        var elsewhere = await kit.MessageAsync(other, alice, "elsewhere");

        await MatrixAssert.OkAsync(await alice.PostAsync(ReceiptPath(room, "m.read", second.Value), new { }));
        // An older receipt does not move the marker back.
        await MatrixAssert.OkAsync(await alice.PostAsync(ReceiptPath(room, "m.read", first.Value), new { }));
        var stored = Assert.Single(await database.Receipts.GetForRoomAsync(room), r => r.ReceiptType == "m.read");
        Assert.Equal(second, stored.EventId);

        // Threaded: main and a thread root are separate receipts.
        await MatrixAssert.OkAsync(await alice.PostAsync(ReceiptPath(room, "m.read", first.Value), new { thread_id = "main" }));
        Assert.Contains(await database.Receipts.GetForRoomAsync(room), r => r.ThreadId == "main" && r.EventId == first);

        // m.fully_read goes to room account data, not to receipts.
        await MatrixAssert.OkAsync(await alice.PostAsync(ReceiptPath(room, "m.fully_read", first.Value), new { }));
        var marker = await database.AccountData.GetAsync(alice.UserId, room, "m.fully_read");
        Assert.Contains(first.Value, marker!.Content, StringComparison.Ordinal);
        Assert.DoesNotContain(await database.Receipts.GetForRoomAsync(room), r => r.ReceiptType == "m.fully_read");

        await MatrixAssert.OkAsync(await alice.PostAsync($"/_matrix/client/v3/rooms/{room}/read_markers",
            new Dictionary<string, string> { ["m.fully_read"] = second.Value, ["m.read.private"] = second.Value }));
        Assert.Contains(second.Value, (await database.AccountData.GetAsync(alice.UserId, room, "m.fully_read"))!.Content, StringComparison.Ordinal);
        Assert.Contains(await database.Receipts.GetForRoomAsync(room), r => r.ReceiptType == "m.read.private" && r.EventId == second);

        await MatrixAssert.ErrorAsync(await alice.PostAsync(ReceiptPath(room, "m.bogus", first.Value), new { }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(ReceiptPath(room, "m.read", first.Value), new { thread_id = "" }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(ReceiptPath(room, "m.read", first.Value), new { thread_id = 5 }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(ReceiptPath(room, "m.fully_read", first.Value), new { thread_id = "main" }), 400, "M_INVALID_PARAM");
        // The event is not in the thread it names.
        await MatrixAssert.ErrorAsync(await alice.PostAsync(ReceiptPath(room, "m.read", second.Value), new { thread_id = first.Value }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(ReceiptPath(room, "m.read", "$unknown:localhost"), new { }), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(ReceiptPath(room, "m.read", elsewhere.Value), new { }), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(ReceiptPath(room, "m.read", "not-an-event"), new { }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(ReceiptPath("not-a-room", "m.read", first.Value), new { }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await outsider.PostAsync(ReceiptPath(room, "m.read", first.Value), new { }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await alice.SendAsync(HttpMethod.Post, ReceiptPath(room, "m.read", first.Value), "[1]"), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await server.Http.PostAsync(ReceiptPath(room, "m.read", first.Value), null), 401, "M_MISSING_TOKEN");

        string markers = $"/_matrix/client/v3/rooms/{room}/read_markers";
        await MatrixAssert.ErrorAsync(await alice.PostAsync(markers, new Dictionary<string, object> { ["m.fully_read"] = 5 }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(markers, new Dictionary<string, object> { ["m.read"] = "$missing:localhost" }), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await outsider.PostAsync(markers, new Dictionary<string, object> { ["m.fully_read"] = first.Value }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await alice.SendAsync(HttpMethod.Post, markers, "not json"), 400, "M_NOT_JSON");
        Assert.Equal(EventTypes.Message, (await database.Events.GetEventAsync(first))!.Type);
    }
}
