using Myelin.Server.Tests.ClientApi.Push;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.Federation.Scenarios.FederationScenario;

namespace Myelin.Server.Tests.Federation.Scenarios;

/// <summary>
/// A message from a user of another server reaches the recipient's phone: the event arrives over federation, is
/// evaluated against the recipient's push rules on their server and delivered to their push gateway.
/// spec: client-server "Push Notifications" (the homeserver pushes for every event its users should be notified of).
/// </summary>
public sealed class CrossServerPushTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task A_message_from_another_server_is_pushed_to_the_recipients_gateway(TestEngine engine)
    {
        await using var gateway = await TestPushGateway.StartAsync();
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        var alice = await a.Server.RegisterAsync("alice");
        var bob = await b.Server.RegisterAsync("bob");
        string roomId = await CreatePublicRoomAsync(alice, "push");
        await JoinAsync(bob, $"#push:{a.ServerName}");
        await WaitForMembershipAsync(alice, roomId, bob.UserId.Value);
        await MatrixAssert.OkAsync(await alice.PostAsync("/_matrix/client/v3/pushers/set", PushTestServer.HttpPusher(gateway.NotifyUrl, "alice-phone")));

        // Two members: the default underride rule .m.rule.room_one_to_one notifies for every message.
        string eventId = await SendTextAsync(bob, roomId, "hello from the other server");

        var pushed = (await gateway.WaitForAsync(n => n["notification"]?["event_id"]?.GetValue<string>() == eventId))[0]["notification"]!;
        Assert.Equal(bob.UserId.Value, pushed["sender"]!.GetValue<string>());
        Assert.Equal(roomId, pushed["room_id"]!.GetValue<string>());
        Assert.Equal("hello from the other server", pushed["content"]!["body"]!.GetValue<string>());
        Assert.Equal("alice-phone", pushed["devices"]![0]!["pushkey"]!.GetValue<string>());
        Assert.True(pushed["counts"]!["unread"]!.GetValue<int>() >= 1);
        // The sender's own server pushes nothing to alice's gateway: only her server knows her pushers.
        Assert.Single(gateway.Received, n => n["notification"]?["event_id"]?.GetValue<string>() == eventId);
    }
}
