using System.Text.Json.Nodes;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.Federation.Scenarios.FederationScenario;

namespace Myelin.Server.Tests.Federation.Scenarios;

/// <summary>
/// Issue 5's proof 1: a room created on A, joined by users of B and C through its alias; messages from each server
/// seen by all in the same order; typing and receipts across servers. Three real Myelin instances on loopback HTTPS.
/// </summary>
public sealed class ThreeServerConversationTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task A_room_on_A_joined_from_B_and_C_carries_messages_typing_and_receipts_between_all_three(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        await using var c = await FederatedHomeserver.StartAsync(engine);
        var alice = await a.Server.RegisterAsync("alice");
        var bob = await b.Server.RegisterAsync("bob");
        var carol = await c.Server.RegisterAsync("carol");

        string roomId = await CreatePublicRoomAsync(alice, "conference");
        string alias = $"#conference:{a.ServerName}";
        Assert.Equal(roomId, await JoinAsync(bob, alias));
        Assert.Equal(roomId, await JoinAsync(carol, alias));
        await WaitForMembershipAsync(alice, roomId, carol.UserId.Value);
        await WaitForMembershipAsync(bob, roomId, carol.UserId.Value);
        await WaitForMembershipAsync(carol, roomId, bob.UserId.Value);

        // One message from each server in turn, each waited for everywhere: the order is then the same on every server.
        var users = new[] { alice, bob, carol };
        var expected = new List<string>();
        for (int round = 0; round < 2; round++)
        {
            foreach (var sender in users)
            {
                string body = $"round {round} from {sender.UserId}";
                await SendTextAsync(sender, roomId, body);
                expected.Add(body);
                foreach (var reader in users)
                {
                    await WaitForMessagesAsync(reader, roomId, body);
                }
            }
        }
        foreach (var reader in users)
        {
            Assert.Equal(expected, await MessageBodiesAsync(reader, roomId));
        }

        // Typing on B shows on A and C.
        var (_, aliceSince) = await SyncAsync(alice, null);
        await MatrixAssert.OkAsync(await bob.PutAsync(
            $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/typing/{Uri.EscapeDataString(bob.UserId.Value)}",
            new { typing = true, timeout = 20000 }));
        await EventuallyAsync("alice to see bob typing", async () =>
        {
            var (sync, next) = await SyncAsync(alice, aliceSince, 1000);
            aliceSince = next;
            var ephemeral = sync["rooms"]?["join"]?[roomId]?["ephemeral"]?["events"]?.AsArray();
            bool typing = ephemeral?.Any(e => e!["type"]!.GetValue<string>() == "m.typing"
                && e["content"]!["user_ids"]!.AsArray().Any(u => u!.GetValue<string>() == bob.UserId.Value)) == true;
            return (typing, ephemeral?.ToJsonString() ?? "(no ephemeral)");
        });

        // A read receipt from C reaches A.
        var lastEvent = await SendTextAsync(alice, roomId, "read me");
        await WaitForMessagesAsync(carol, roomId, "read me");
        await MatrixAssert.OkAsync(await carol.PostAsync(
            $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/receipt/m.read/{Uri.EscapeDataString(lastEvent)}", new { }));
        await EventuallyAsync("alice to see carol's receipt", async () =>
        {
            var (sync, next) = await SyncAsync(alice, aliceSince, 1000);
            aliceSince = next;
            var ephemeral = sync["rooms"]?["join"]?[roomId]?["ephemeral"]?["events"]?.AsArray();
            bool receipt = ephemeral?.Any(e => e!["type"]!.GetValue<string>() == "m.receipt"
                && e["content"]?[lastEvent]?["m.read"]?[carol.UserId.Value] is JsonObject) == true;
            return (receipt, ephemeral?.ToJsonString() ?? "(no ephemeral)");
        });
    }
}
