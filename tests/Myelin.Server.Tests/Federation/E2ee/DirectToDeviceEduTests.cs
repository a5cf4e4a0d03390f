using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Edus;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.ClientApi.Sync;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation.E2ee;

/// <summary>Inbound m.direct_to_device. spec: server-server "Send-to-device messaging".</summary>
public abstract class DirectToDeviceEduTests
{
    protected abstract TestEngine Engine { get; }

    private static List<JsonObject> ToDevice(JsonObject sync) => [.. sync["to_device"]!["events"]!.AsArray().Select(e => e!.AsObject())];

    [Fact]
    public async Task Messages_reach_the_named_and_all_devices_once_per_message_id_and_only_from_the_senders_server()
    {
        await using var server = await FederatedHomeserver.StartAsync(Engine);
        await using var remote = await FederatedHomeserver.StartAsync(Engine);
        var alice = await server.Server.CreateUserAsync("alice");
        var bob = await server.Server.CreateUserAsync("bob");
        var handler = server.Server.Services.GetServices<IEduHandler>().Single(h => h.EduType == EduTypes.DirectToDevice);
        var origin = remote.ServerName;
        string carol = $"@carol:{remote.ServerName}";
        string aliceSince = SyncClient.NextBatch(await alice.SyncAsync());
        string bobSince = SyncClient.NextBatch(await bob.SyncAsync());

        JsonObject Edu(string messageId, string? sender = null) => new()
        {
            ["sender"] = sender ?? carol,
            ["type"] = "m.room_key_request",
            ["message_id"] = messageId,
            ["messages"] = new JsonObject
            {
                [alice.UserId.Value] = new JsonObject { [alice.DeviceId] = new JsonObject { ["n"] = 1 }, ["NOSUCHDEVICE"] = new JsonObject { ["n"] = 2 } },
                [bob.UserId.Value] = new JsonObject { ["*"] = new JsonObject { ["n"] = 3 } },
                ["@dave:elsewhere.example"] = new JsonObject { ["D"] = new JsonObject { ["n"] = 4 } },
            },
        };
        Task HandleAsync(ServerName from, JsonObject content) => handler.HandleAsync(from, JsonSerializer.SerializeToElement(content), CancellationToken.None);

        // Through PUT /send, as the sending server delivers it; a retried EDU (same message_id) is delivered once.
        await SignedTransaction.SendEduAsync(server, remote, EduTypes.DirectToDevice, Edu("m1"));
        await SignedTransaction.SendEduAsync(server, remote, EduTypes.DirectToDevice, Edu("m1"));
        // The sender must be a user of the origin; malformed EDUs are dropped.
        await HandleAsync(origin, Edu("m2", sender: "@mallory:evil.example"));
        await HandleAsync(origin, new JsonObject { ["sender"] = carol, ["type"] = "x", ["messages"] = new JsonObject() });

        var toAlice = Assert.Single(ToDevice(await alice.SyncAsync(aliceSince)));
        Assert.Equal(carol, toAlice["sender"]!.GetValue<string>());
        Assert.Equal("m.room_key_request", toAlice["type"]!.GetValue<string>());
        Assert.Equal(1, toAlice["content"]!["n"]!.GetValue<int>());
        Assert.Equal(3, Assert.Single(ToDevice(await bob.SyncAsync(bobSince)))["content"]!["n"]!.GetValue<int>());

        // The same message ID from another server is another message.
        await HandleAsync(ServerName.Parse("other.example"), Edu("m1", sender: "@erin:other.example"));
        Assert.Equal("@erin:other.example", Assert.Single(ToDevice(await bob.SyncAsync(bobSince)).Skip(1))["sender"]!.GetValue<string>());
    }
}

public sealed class DirectToDeviceEduTests_Sqlite : DirectToDeviceEduTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class DirectToDeviceEduTests_Postgres : DirectToDeviceEduTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
