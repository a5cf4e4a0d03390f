using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Edus;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.Federation.Sending.SenderTestKit;

namespace Myelin.Server.Tests.Federation.Sending;

/// <summary>
/// Typing, receipts and presence between servers: our users' changes leave as EDUs (to a recording destination), and
/// EDUs from another server reach local /sync (through the registered <see cref="IEduHandler"/>s, as /send dispatches
/// them). spec: server-server "Typing Notifications", "Receipts", "Presence", "Server ACLs".
/// </summary>
public sealed class EphemeralEduTests
{
    private static string RoomPath(RoomId room) => $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room.Value)}";

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Typing_receipts_and_presence_of_local_users_go_to_the_servers_concerned(TestEngine engine)
    {
        var recorder = new TransactionRecorder();
        await using var b = await StartRecorderAsync(engine, recorder);
        await using var a = await StartSenderAsync(engine);
        var alice = await a.Server.RegisterAsync();
        var (room, _) = await CreateRoomWithRemoteMemberAsync(alice, a, b);
        string eventId = await SendMessageAsync(alice, room, "read me");

        string typingPath = $"{RoomPath(room)}/typing/{Uri.EscapeDataString(alice.UserId.Value)}";
        await MatrixAssert.OkAsync(await alice.PutAsync(typingPath, new { typing = true, timeout = 30000 }));
        await WaitUntilAsync(() => Edus(recorder, "m.typing").Any(c => c["typing"]!.GetValue<bool>()), "typing: true at b");
        var typing = Edus(recorder, "m.typing").First();
        Assert.Equal(room.Value, typing["room_id"]!.GetValue<string>());
        Assert.Equal(alice.UserId.Value, typing["user_id"]!.GetValue<string>());
        await MatrixAssert.OkAsync(await alice.PutAsync(typingPath, new { typing = false }));
        await WaitUntilAsync(() => Edus(recorder, "m.typing").Any(c => !c["typing"]!.GetValue<bool>()), "typing: false at b");

        // A private receipt stays home; the public one that follows is sent.
        await MatrixAssert.OkAsync(await alice.PostAsync($"{RoomPath(room)}/receipt/m.read.private/{Uri.EscapeDataString(eventId)}", new { }));
        await MatrixAssert.OkAsync(await alice.PostAsync($"{RoomPath(room)}/receipt/m.read/{Uri.EscapeDataString(eventId)}", new { }));
        await WaitUntilAsync(() => Edus(recorder, "m.receipt").Any(), "the receipt at b");
        var receipt = Assert.Single(Edus(recorder, "m.receipt"));
        var read = receipt[room.Value]!["m.read"]![alice.UserId.Value]!;
        Assert.Equal([eventId], read["event_ids"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.True(read["data"]!["ts"]!.GetValue<long>() > 0);
        Assert.Single(receipt.AsObject());
        Assert.Single(receipt[room.Value]!.AsObject());

        await MatrixAssert.OkAsync(await alice.PutAsync($"/_matrix/client/v3/presence/{Uri.EscapeDataString(alice.UserId.Value)}/status",
            new { presence = "unavailable", status_msg = "lunch" }));
        await WaitUntilAsync(() => Edus(recorder, "m.presence").Any(c => c["push"]![0]!["presence"]!.GetValue<string>() == "unavailable"), "presence at b");
        var push = Edus(recorder, "m.presence").Last(c => c["push"]![0]!["presence"]!.GetValue<string>() == "unavailable")["push"]!.AsArray();
        var update = Assert.Single(push)!;
        Assert.Equal(alice.UserId.Value, update["user_id"]!.GetValue<string>());
        Assert.Equal("lunch", update["status_msg"]!.GetValue<string>());
        Assert.True(update["last_active_ago"]!.GetValue<long>() >= 0);
        Assert.NotNull(update["currently_active"]);
    }

    [Fact]
    public async Task Typing_that_times_out_is_ended_at_the_other_servers_too()
    {
        var recorder = new TransactionRecorder();
        await using var b = await StartRecorderAsync(TestEngine.Sqlite, recorder);
        await using var a = await StartSenderAsync(TestEngine.Sqlite);
        var alice = await a.Server.RegisterAsync();
        var (room, _) = await CreateRoomWithRemoteMemberAsync(alice, a, b);
        await MatrixAssert.OkAsync(await alice.PutAsync($"{RoomPath(room)}/typing/{Uri.EscapeDataString(alice.UserId.Value)}",
            new { typing = true, timeout = 500 }));
        await WaitUntilAsync(() => Edus(recorder, "m.typing").Any(c => !c["typing"]!.GetValue<bool>()), "typing: false after the timeout");
        Assert.True(Edus(recorder, "m.typing").First()["typing"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Ongoing_typing_is_sent_again_so_other_servers_do_not_expire_it()
    {
        var recorder = new TransactionRecorder();
        await using var b = await StartRecorderAsync(TestEngine.Sqlite, recorder);
        await using var a = await StartSenderAsync(TestEngine.Sqlite, Options() with { OutboundTypingRenewal = TimeSpan.FromSeconds(1) });
        var alice = await a.Server.RegisterAsync();
        var (room, _) = await CreateRoomWithRemoteMemberAsync(alice, a, b);
        string typingPath = $"{RoomPath(room)}/typing/{Uri.EscapeDataString(alice.UserId.Value)}";
        await MatrixAssert.OkAsync(await alice.PutAsync(typingPath, new { typing = true, timeout = 60000 }));
        await WaitUntilAsync(() => Edus(recorder, "m.typing").Count(c => c["typing"]!.GetValue<bool>()) >= 3, "renewed typing");

        await MatrixAssert.OkAsync(await alice.PutAsync(typingPath, new { typing = false }));
        await WaitUntilAsync(() => Edus(recorder, "m.typing").Any(c => !c["typing"]!.GetValue<bool>()), "typing: false");
        int sent = Edus(recorder, "m.typing").Count;
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(sent, Edus(recorder, "m.typing").Count); // no renewal after the stop
    }

    [Fact]
    public async Task Ephemeral_edus_for_a_destination_that_stays_unreachable_are_dropped()
    {
        var recorder = new TransactionRecorder { Failing = true };
        await using var b = await StartRecorderAsync(TestEngine.Sqlite, recorder);
        // 200 ms doubling up to 1 s: the maximum wait is reached at the fourth failure.
        await using var a = await StartSenderAsync(TestEngine.Sqlite);
        var alice = await a.Server.RegisterAsync();
        var (room, _) = await CreateRoomWithRemoteMemberAsync(alice, a, b);
        await SendMessageAsync(alice, room, "in flight");
        await WaitUntilAsync(() => recorder.Attempts.Count >= 5, "the backoff at its maximum");
        await MatrixAssert.OkAsync(await alice.PutAsync($"{RoomPath(room)}/typing/{Uri.EscapeDataString(alice.UserId.Value)}",
            new { typing = true, timeout = 60000 }));
        int attempts = recorder.Attempts.Count;
        await WaitUntilAsync(() => recorder.Attempts.Count >= attempts + 2, "two more failures");

        recorder.Failing = false;
        await SendMessageAsync(alice, room, "after");
        await WaitUntilAsync(() => recorder.AcceptedPdus.Any(p => BodyOf(p) == "after"), "delivery after the outage");
        Assert.Contains(recorder.AcceptedPdus, p => BodyOf(p) == "in flight");
        Assert.Empty(Edus(recorder, "m.typing"));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Edus_from_another_server_reach_local_sync(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        var alice = await a.Server.RegisterAsync();
        var remote = ServerName.Parse("remote.example:8448");
        using var remoteKey = SigningKey.Generate("r1");
        var room = await CreatePublicRoomAsync(alice);
        var bob = UserId.Parse($"@bob:{remote}");
        await RemoteMembers.JoinAsync(a.Server.Services, room, bob, remoteKey);
        string eventId = await SendMessageAsync(alice, room, "hi bob");
        string since = (await MatrixAssert.OkAsync(await alice.GetAsync("/_matrix/client/v3/sync")))["next_batch"]!.GetValue<string>();

        await HandleAsync(a, remote, "m.typing", new JsonObject { ["room_id"] = room.Value, ["user_id"] = bob.Value, ["typing"] = true });
        await HandleAsync(a, remote, "m.receipt", new JsonObject
        {
            [room.Value] = new JsonObject { ["m.read"] = new JsonObject { [bob.Value] = new JsonObject { ["event_ids"] = new JsonArray(eventId), ["data"] = new JsonObject { ["ts"] = 1234 } } } },
        });
        await HandleAsync(a, remote, "m.presence", new JsonObject
        {
            ["push"] = new JsonArray(new JsonObject { ["user_id"] = bob.Value, ["presence"] = "online", ["last_active_ago"] = 1000, ["currently_active"] = true, ["status_msg"] = "hello" }),
        });

        var sync = await MatrixAssert.OkAsync(await alice.GetAsync($"/_matrix/client/v3/sync?since={since}&timeout=0"));
        var ephemeral = sync["rooms"]!["join"]![room.Value]!["ephemeral"]!["events"]!.AsArray();
        var typing = ephemeral.Single(e => e!["type"]!.GetValue<string>() == "m.typing")!;
        Assert.Equal([bob.Value], typing["content"]!["user_ids"]!.AsArray().Select(u => u!.GetValue<string>()));
        var receipt = ephemeral.Single(e => e!["type"]!.GetValue<string>() == "m.receipt")!;
        Assert.Equal(1234, receipt["content"]![eventId]!["m.read"]![bob.Value]!["ts"]!.GetValue<long>());
        var presence = sync["presence"]!["events"]!.AsArray().Single(e => e!["sender"]!.GetValue<string>() == bob.Value)!;
        Assert.Equal("online", presence["content"]!["presence"]!.GetValue<string>());
        Assert.Equal("hello", presence["content"]!["status_msg"]!.GetValue<string>());
        Assert.True(presence["content"]!["currently_active"]!.GetValue<bool>());

        // typing: false ends it.
        since = sync["next_batch"]!.GetValue<string>();
        await HandleAsync(a, remote, "m.typing", new JsonObject { ["room_id"] = room.Value, ["user_id"] = bob.Value, ["typing"] = false });
        sync = await MatrixAssert.OkAsync(await alice.GetAsync($"/_matrix/client/v3/sync?since={since}&timeout=0"));
        typing = sync["rooms"]!["join"]![room.Value]!["ephemeral"]!["events"]!.AsArray().Single(e => e!["type"]!.GetValue<string>() == "m.typing")!;
        Assert.Empty(typing["content"]!["user_ids"]!.AsArray());

        // Synapse leaves last_active_ago out for a user it never saw active: the update still counts.
        await HandleAsync(a, remote, "m.presence", new JsonObject
        {
            ["push"] = new JsonArray(new JsonObject { ["user_id"] = bob.Value, ["presence"] = "unavailable", ["currently_active"] = false }),
        });
        sync = await MatrixAssert.OkAsync(await alice.GetAsync($"/_matrix/client/v3/sync?since={sync["next_batch"]!.GetValue<string>()}&timeout=0"));
        presence = sync["presence"]!["events"]!.AsArray().Single(e => e!["sender"]!.GetValue<string>() == bob.Value)!;
        Assert.Equal("unavailable", presence["content"]!["presence"]!.GetValue<string>());
    }

    [Fact]
    public async Task Edus_for_users_of_other_servers_users_outside_the_room_denied_servers_or_of_the_wrong_shape_are_ignored()
    {
        await using var a = await FederatedHomeserver.StartAsync(TestEngine.Sqlite);
        var alice = await a.Server.RegisterAsync();
        var remote = ServerName.Parse("remote.example");
        var denied = ServerName.Parse("denied.example");
        using var remoteKey = SigningKey.Generate("r1");
        using var deniedKey = SigningKey.Generate("d1");
        var room = await CreatePublicRoomAsync(alice);
        var bob = UserId.Parse($"@bob:{remote}");
        var mallory = UserId.Parse($"@mallory:{denied}");
        var stranger = UserId.Parse($"@stranger:{remote}");
        await RemoteMembers.JoinAsync(a.Server.Services, room, bob, remoteKey);
        await RemoteMembers.JoinAsync(a.Server.Services, room, mallory, deniedKey);
        await MatrixAssert.OkAsync(await alice.PutAsync($"{RoomPath(room)}/state/m.room.server_acl/",
            new { allow = new[] { "*" }, deny = new[] { "denied.example" }, allow_ip_literals = true }));
        string eventId = await SendMessageAsync(alice, room, "hi");
        string since = (await MatrixAssert.OkAsync(await alice.GetAsync("/_matrix/client/v3/sync")))["next_batch"]!.GetValue<string>();

        // bob's server speaking for someone else's user; a user who is not in the room; a server the ACL denies.
        await HandleAsync(a, denied, "m.typing", new JsonObject { ["room_id"] = room.Value, ["user_id"] = bob.Value, ["typing"] = true });
        await HandleAsync(a, remote, "m.typing", new JsonObject { ["room_id"] = room.Value, ["user_id"] = stranger.Value, ["typing"] = true });
        await HandleAsync(a, denied, "m.typing", new JsonObject { ["room_id"] = room.Value, ["user_id"] = mallory.Value, ["typing"] = true });
        await HandleAsync(a, denied, "m.receipt", Receipt(room, mallory, eventId));
        await HandleAsync(a, denied, "m.receipt", Receipt(room, bob, eventId));
        await HandleAsync(a, remote, "m.receipt", Receipt(room, stranger, eventId));
        await HandleAsync(a, denied, "m.presence", new JsonObject { ["push"] = new JsonArray(new JsonObject { ["user_id"] = bob.Value, ["presence"] = "online", ["last_active_ago"] = 1 }) });
        await HandleAsync(a, remote, "m.presence", new JsonObject { ["push"] = new JsonArray(new JsonObject { ["user_id"] = stranger.Value, ["presence"] = "online", ["last_active_ago"] = 1 }) });
        // Wrong shapes.
        await HandleAsync(a, remote, "m.typing", new JsonObject { ["room_id"] = room.Value, ["user_id"] = bob.Value, ["typing"] = "yes" });
        await HandleAsync(a, remote, "m.typing", new JsonObject { ["room_id"] = "not a room", ["user_id"] = bob.Value, ["typing"] = true });
        await HandleAsync(a, remote, "m.receipt", new JsonObject { [room.Value] = new JsonObject { ["m.read"] = new JsonObject { [bob.Value] = new JsonObject { ["event_ids"] = eventId, ["data"] = new JsonObject { ["ts"] = 1 } } } } });
        await HandleAsync(a, remote, "m.receipt", new JsonObject { [room.Value] = new JsonObject { ["m.read"] = new JsonObject { [bob.Value] = new JsonObject { ["event_ids"] = new JsonArray(eventId) } } } });
        await HandleAsync(a, remote, "m.receipt", new JsonArray());
        await HandleAsync(a, remote, "m.presence", new JsonObject { ["push"] = new JsonArray(new JsonObject { ["user_id"] = bob.Value, ["presence"] = "dancing", ["last_active_ago"] = 1 }) });
        await HandleAsync(a, remote, "m.presence", new JsonObject { ["push"] = new JsonArray(new JsonObject { ["user_id"] = bob.Value, ["presence"] = "online", ["last_active_ago"] = -5 }) });
        await HandleAsync(a, remote, "m.presence", new JsonObject { ["push"] = "online" });

        var sync = await MatrixAssert.OkAsync(await alice.GetAsync($"/_matrix/client/v3/sync?since={since}&timeout=0"));
        var ephemeral = sync["rooms"]?["join"]?[room.Value]?["ephemeral"]?["events"]?.AsArray() ?? [];
        Assert.DoesNotContain(ephemeral, e => e!["type"]!.GetValue<string>() == "m.typing" && e["content"]!["user_ids"]!.AsArray().Count > 0);
        Assert.DoesNotContain(ephemeral, e => e!["type"]!.GetValue<string>() == "m.receipt");
        Assert.DoesNotContain(sync["presence"]?["events"]?.AsArray() ?? [], e => e!["sender"]!.GetValue<string>() != alice.UserId.Value);

        // The same EDUs from the right server for its joined user do arrive (the checks above were what stopped them).
        await HandleAsync(a, remote, "m.receipt", Receipt(room, bob, eventId));
        sync = await MatrixAssert.OkAsync(await alice.GetAsync($"/_matrix/client/v3/sync?since={since}&timeout=0"));
        var receipt = sync["rooms"]!["join"]![room.Value]!["ephemeral"]!["events"]!.AsArray().Single(e => e!["type"]!.GetValue<string>() == "m.receipt")!;
        Assert.Equal([bob.Value], receipt["content"]![eventId]!["m.read"]!.AsObject().Select(p => p.Key));
    }

    private static JsonObject Receipt(RoomId room, UserId user, string eventId) => new()
    {
        [room.Value] = new JsonObject { ["m.read"] = new JsonObject { [user.Value] = new JsonObject { ["event_ids"] = new JsonArray(eventId), ["data"] = new JsonObject { ["ts"] = 5 } } } },
    };

    private static async Task HandleAsync(FederatedHomeserver server, ServerName origin, string eduType, JsonNode content)
    {
        var handlers = server.Server.Services.GetServices<IEduHandler>().Where(h => h.EduType == eduType).ToArray();
        Assert.NotEmpty(handlers);
        var element = JsonDocument.Parse(content.ToJsonString()).RootElement.Clone();
        foreach (var handler in handlers)
        {
            await handler.HandleAsync(origin, element, CancellationToken.None);
        }
    }

    private static IReadOnlyList<JsonObject> Edus(TransactionRecorder recorder, string type) =>
        recorder.AcceptedEdus.Where(e => e["edu_type"]!.GetValue<string>() == type).Select(e => e["content"]!.AsObject()).ToArray();
}
