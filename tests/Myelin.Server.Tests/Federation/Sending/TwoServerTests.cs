using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.ClientApi.Sync;
using Myelin.Server.Tests.Federation.Membership;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.Federation.Sending.SenderTestKit;

namespace Myelin.Server.Tests.Federation.Sending;

/// <summary>
/// Two real Myelins in one room (joined over federation): what users do on one server shows up in /sync on the other —
/// messages through the sender's queue and the receiver's /send, typing, receipts and presence as EDUs.
/// </summary>
public sealed class TwoServerTests
{
    private static async Task<(FederatedHomeserver A, FederatedHomeserver B, TestUser Alice, TestUser Bob, string Room)> SetUpAsync(TestEngine engine)
    {
        var a = await StartSenderAsync(engine);
        var b = await StartSenderAsync(engine);
        var alice = await a.Server.CreateUserAsync("alice", "Alice");
        var bob = await b.Server.CreateUserAsync("bob", "Bob");
        string room = await alice.CreateRoomAsync(new { preset = "public_chat", room_alias_name = "lobby" });
        await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/join/{Uri.EscapeDataString($"#lobby:{a.ServerName}")}", new { }));
        return (a, b, alice, bob, room);
    }

    private static bool HasMessage(JsonObject sync, string room, string body) =>
        SyncClient.TimelineEvents(sync, RoomId.Parse(room)).Any(e => e!["content"]?["body"]?.GetValue<string>() == body);

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Messages_typing_receipts_and_presence_cross_between_the_servers(TestEngine engine)
    {
        var (a, b, alice, bob, room) = await SetUpAsync(engine);
        await using var _ = a;
        await using var __ = b;
        var roomId = RoomId.Parse(room);

        string fromAlice = await alice.SendMessageAsync(room, "hello from A");
        await bob.WaitForSyncAsync(s => HasMessage(s, room, "hello from A"));
        await bob.SendMessageAsync(room, "hello from B");
        await alice.WaitForSyncAsync(s => HasMessage(s, room, "hello from B"));

        await MatrixAssert.OkAsync(await alice.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/typing/{Uri.EscapeDataString(alice.UserId.Value)}",
            new { typing = true, timeout = 30000 }));
        await bob.WaitForSyncAsync(s => SyncClient.EphemeralEvents(s, roomId, "m.typing")
            .Any(e => e["content"]!["user_ids"]!.AsArray().Any(u => u!.GetValue<string>() == alice.UserId.Value)));

        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, $"receipt/m.read/{Uri.EscapeDataString(fromAlice)}"));
        await alice.WaitForSyncAsync(s => SyncClient.EphemeralEvents(s, roomId, "m.receipt")
            .Any(e => e["content"]?[fromAlice]?["m.read"]?[bob.UserId.Value] is not null));

        await MatrixAssert.OkAsync(await alice.PutAsync($"/_matrix/client/v3/presence/{Uri.EscapeDataString(alice.UserId.Value)}/status",
            new { presence = "online", status_msg = "at A" }));
        await bob.WaitForSyncAsync(s => (s["presence"]?["events"]?.AsArray() ?? []).Any(e => e!["sender"]!.GetValue<string>() == alice.UserId.Value
            && e["content"]!["status_msg"]?.GetValue<string>() == "at A"));
    }

    [Fact]
    public async Task Messages_sent_while_the_other_server_is_down_arrive_in_order_when_it_is_back()
    {
        var (a, b, alice, bob, room) = await SetUpAsync(TestEngine.Sqlite);
        await using var _ = a;
        await using var __ = b;
        await alice.SendMessageAsync(room, "before");
        await bob.WaitForSyncAsync(s => HasMessage(s, room, "before"));

        await b.Server.StopAsync();
        for (int i = 0; i < 5; i++)
        {
            await alice.SendMessageAsync(room, $"while down {i}");
        }
        await a.Server.RestartAsync(); // the queue is durable: the sender's restart loses nothing either
        await b.Server.StartAgainAsync();

        var sync = await bob.WaitForSyncAsync(s => HasMessage(s, room, "while down 4"));
        var messages = await MatrixAssert.OkAsync(await bob.RoomGetAsync(room, "messages?dir=b&limit=20"));
        var bodies = messages["chunk"]!.AsArray().Select(e => e!["content"]?["body"]?.GetValue<string>()).Where(x => x?.StartsWith("while down", StringComparison.Ordinal) == true).Reverse();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"while down {i}"), bodies);
        Assert.NotNull(sync);
    }
}
