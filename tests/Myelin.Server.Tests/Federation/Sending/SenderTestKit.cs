using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation.Sending;

/// <summary>Shared steps of the sender tests: servers with quick retries, rooms with remote members, polling.</summary>
internal static class SenderTestKit
{
    public static FederationOptions Options(TimeSpan? retryInitial = null, TimeSpan? retryMax = null, int catchUpThreshold = 1000) => new()
    {
        RequestTimeout = TimeSpan.FromSeconds(15),
        KeyFetchFailureBackoff = TimeSpan.Zero,
        OutboundRetryInitial = retryInitial ?? TimeSpan.FromMilliseconds(200),
        OutboundRetryMax = retryMax ?? TimeSpan.FromSeconds(1),
        OutboundCatchUpThreshold = catchUpThreshold,
    };

    /// <summary>A sending server with these federation options.</summary>
    public static Task<FederatedHomeserver> StartSenderAsync(TestEngine engine, FederationOptions? options = null,
        Func<Myelin.Server.Configuration.MyelinConfig, Myelin.Server.Configuration.MyelinConfig>? configure = null) =>
        FederatedHomeserver.StartAsync(engine, configure, services: s => s.AddSingleton(options ?? Options()));

    /// <summary>A destination whose /send is the recorder.</summary>
    public static Task<FederatedHomeserver> StartRecorderAsync(TestEngine engine, TransactionRecorder recorder) =>
        FederatedHomeserver.StartAsync(engine, endpoints: recorder.Map);

    public static async Task<RoomId> CreatePublicRoomAsync(TestUser user)
    {
        var body = await MatrixAssert.OkAsync(await user.PostAsync("/_matrix/client/v3/createRoom", new { preset = "public_chat" }));
        return RoomId.Parse(body["room_id"]!.GetValue<string>());
    }

    /// <summary>A room of <paramref name="owner"/> with a user of <paramref name="remote"/> joined.</summary>
    public static async Task<(RoomId Room, UserId RemoteUser)> CreateRoomWithRemoteMemberAsync(TestUser owner, FederatedHomeserver home, FederatedHomeserver remote,
        string localpart = "bob")
    {
        var room = await CreatePublicRoomAsync(owner);
        var bob = UserId.Parse($"@{localpart}:{remote.ServerName}");
        await RemoteMembers.JoinAsync(home.Server.Services, room, bob, remote.SigningKey);
        return (room, bob);
    }

    public static async Task<string> SendMessageAsync(TestUser user, RoomId room, string body)
    {
        var response = await MatrixAssert.OkAsync(await user.PutAsync(
            $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room.Value)}/send/m.room.message/{Guid.NewGuid():N}", new { msgtype = "m.text", body }));
        return response["event_id"]!.GetValue<string>();
    }

    public static string? BodyOf(JsonObject pdu) => pdu["content"]?["body"]?.GetValue<string>();

    /// <summary>Polls until <paramref name="condition"/> holds (15 s at most).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}.");
            }
            await Task.Delay(50);
        }
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}.");
            }
            await Task.Delay(50);
        }
    }
}
