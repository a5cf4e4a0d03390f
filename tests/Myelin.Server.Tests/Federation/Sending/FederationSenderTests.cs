using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Sending;
using Myelin.Server.Rooms;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.Federation.Sending.SenderTestKit;

namespace Myelin.Server.Tests.Federation.Sending;

/// <summary>
/// The outbound queues against a real destination over HTTPS (a test server whose /send records and fails on demand).
/// spec: server-server "Transactions".
/// </summary>
public sealed class FederationSenderTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task A_local_event_reaches_the_servers_in_the_room_as_a_signed_transaction(TestEngine engine)
    {
        var recorder = new TransactionRecorder();
        await using var b = await StartRecorderAsync(engine, recorder);
        await using var a = await StartSenderAsync(engine);
        var alice = await a.Server.RegisterAsync();
        var lonely = await CreatePublicRoomAsync(alice);
        var (room, _) = await CreateRoomWithRemoteMemberAsync(alice, a, b);

        await SendMessageAsync(alice, lonely, "not for b");
        string eventId = await SendMessageAsync(alice, room, "hello b");

        await WaitUntilAsync(() => recorder.AcceptedPdus.Any(p => BodyOf(p) == "hello b"), "the message at b");
        var transaction = recorder.Accepted.First(t => t.Pdus.Any(p => BodyOf(p) == "hello b"));
        Assert.Equal(a.ServerName.Value, transaction.Body["origin"]!.GetValue<string>());
        Assert.InRange(transaction.Body["origin_server_ts"]!.GetValue<long>(), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(),
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Assert.StartsWith($"X-Matrix origin=\"{a.ServerName}\",destination=\"{b.ServerName}\"", transaction.Authorization, StringComparison.Ordinal);
        var pdu = transaction.Pdus.Single(p => BodyOf(p) == "hello b");
        // The event as signed: same ID, our signature, none of our unsigned bookkeeping.
        Assert.Equal(eventId, recorder.EventIdOf(pdu));
        Assert.NotNull(pdu["signatures"]?[a.ServerName.Value]);
        Assert.Null(pdu["unsigned"]);
        // Only the room with a member on b goes to b; the room creation events predate b's member.
        Assert.DoesNotContain(recorder.AcceptedPdus, p => BodyOf(p) == "not for b");
        Assert.DoesNotContain(recorder.AcceptedPdus, p => p["type"]!.GetValue<string>() == "m.room.create");
    }

    [Fact]
    public async Task Transactions_carry_at_most_50_pdus_and_100_edus_in_queue_order()
    {
        var recorder = new TransactionRecorder { Failing = true };
        await using var b = await StartRecorderAsync(TestEngine.Sqlite, recorder);
        await using var a = await StartSenderAsync(TestEngine.Sqlite);
        var alice = await a.Server.RegisterAsync();
        var (room, _) = await CreateRoomWithRemoteMemberAsync(alice, a, b);
        var sender = a.Server.Services.GetRequiredService<IFederationSender>();

        var sent = new List<string>();
        for (int i = 0; i < 120; i++)
        {
            await SendMessageAsync(alice, room, $"m{i}");
            sent.Add($"m{i}");
        }
        for (int i = 0; i < 150; i++)
        {
            await sender.SendDurableEduAsync(b.ServerName, "m.direct_to_device", JsonDocument.Parse($"{{\"n\":{i}}}").RootElement);
        }
        await WaitUntilAsync(() => recorder.Attempts.Count >= 2, "retries while b fails");
        recorder.Failing = false;

        await WaitUntilAsync(() => recorder.AcceptedPdus.Count(p => BodyOf(p) is not null) == 120 && recorder.AcceptedEdus.Count == 150,
            "all PDUs and EDUs at b");
        Assert.All(recorder.Attempts, t => Assert.InRange(t.Pdus.Count, 0, 50));
        Assert.All(recorder.Attempts, t => Assert.InRange(t.Edus.Count, 0, 100));
        Assert.Equal(sent, recorder.AcceptedPdus.Select(BodyOf).Where(b => b is not null));
        Assert.Equal(Enumerable.Range(0, 150), recorder.AcceptedEdus.Select(e => e["content"]!["n"]!.GetValue<int>()));
        Assert.All(recorder.AcceptedEdus, e => Assert.Equal("m.direct_to_device", e["edu_type"]!.GetValue<string>()));
        // Each acknowledged transaction has its own ID; a failed one was retried with its ID until it went through.
        var accepted = recorder.Accepted.Select(t => t.TxnId).ToList();
        Assert.Equal(accepted.Count, accepted.Distinct().Count());
        var firstFailed = recorder.Attempts[0];
        Assert.False(firstFailed.Accepted);
        Assert.Equal(firstFailed.TxnId, recorder.Accepted[0].TxnId);
        Assert.Equal(firstFailed.Pdus.Count, recorder.Accepted[0].Pdus.Count);
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Queued_events_survive_a_restart_of_the_sender(TestEngine engine)
    {
        var recorder = new TransactionRecorder { Failing = true };
        await using var b = await StartRecorderAsync(engine, recorder);
        await using var a = await StartSenderAsync(engine);
        var alice = await a.Server.RegisterAsync();
        var (room, _) = await CreateRoomWithRemoteMemberAsync(alice, a, b);
        for (int i = 0; i < 60; i++)
        {
            await SendMessageAsync(alice, room, $"before restart {i}");
        }
        await WaitUntilAsync(() => recorder.Attempts.Count >= 1, "a first attempt");

        await a.Server.RestartAsync();
        int attemptsBefore = recorder.Attempts.Count;
        string lastTxnBefore = recorder.Attempts[^1].TxnId;
        recorder.Failing = false;

        await WaitUntilAsync(() => recorder.AcceptedPdus.Count(p => BodyOf(p)?.StartsWith("before restart", StringComparison.Ordinal) == true) == 60,
            "the queued events after the restart");
        Assert.Equal(Enumerable.Range(0, 60).Select(i => $"before restart {i}"),
            recorder.AcceptedPdus.Select(BodyOf).Where(x => x?.StartsWith("before restart", StringComparison.Ordinal) == true));
        // The transaction that was in flight is retried under its ID after the restart.
        Assert.Equal(lastTxnBefore, recorder.Attempts[attemptsBefore].TxnId);

        // Acknowledged items are gone from the queue.
        await WaitUntilAsync(async () => (await a.Server.Host.Database.FederationOutbox.GetDestinationsAsync()).Count == 0, "an empty queue");
    }

    [Fact]
    public async Task Failed_attempts_back_off_exponentially_and_a_request_from_the_destination_retries_at_once()
    {
        var recorder = new TransactionRecorder { FailNext = 3 };
        await using var b = await StartRecorderAsync(TestEngine.Sqlite, recorder);
        await using var a = await StartSenderAsync(TestEngine.Sqlite, Options(retryInitial: TimeSpan.FromMilliseconds(400), retryMax: TimeSpan.FromHours(1)));
        var alice = await a.Server.RegisterAsync();
        var (room, _) = await CreateRoomWithRemoteMemberAsync(alice, a, b);
        await SendMessageAsync(alice, room, "first");

        await WaitUntilAsync(() => recorder.Accepted.Count == 1, "delivery after three failures");
        var times = recorder.Attempts.Select(t => t.ReceivedAt).ToArray();
        Assert.Equal(4, times.Length);
        // 400 ms, 800 ms, 1.6 s (lower bounds: a loaded machine can only make the waits longer).
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(350), $"first wait {times[1] - times[0]}");
        Assert.True(times[2] - times[1] >= TimeSpan.FromMilliseconds(750), $"second wait {times[2] - times[1]}");
        Assert.True(times[3] - times[2] >= TimeSpan.FromMilliseconds(1550), $"third wait {times[3] - times[2]}");

        // Success reset the backoff: the next event goes out at once, fails, and would wait 400 ms ... then 1 h.
        recorder.Failing = true;
        for (int i = 0; i < 4; i++)
        {
            await SendMessageAsync(alice, room, $"during outage {i}");
        }
        await WaitUntilAsync(() => recorder.Attempts.Count >= 4 + 5, "five failed attempts");
        await Task.Delay(TimeSpan.FromSeconds(1)); // the next attempt is ≥ 6.4 s away
        int attempts = recorder.Attempts.Count;
        recorder.Failing = false;

        // b makes an authenticated request to a: a retries b's queue now instead of after the backoff.
        var response = await b.Client.GetAsync(a.ServerName, $"/_matrix/federation/v1/query/profile?user_id={Uri.EscapeDataString(alice.UserId.Value)}");
        Assert.Equal(JsonValueKind.Object, response.ValueKind);
        await WaitUntilAsync(() => recorder.AcceptedPdus.Count(p => BodyOf(p)?.StartsWith("during outage", StringComparison.Ordinal) == true) == 4,
            "delivery right after b was seen", TimeSpan.FromSeconds(5));
        Assert.True(recorder.Attempts.Count > attempts);
    }

    [Fact]
    public async Task One_transaction_is_in_flight_per_destination_and_events_keep_their_order()
    {
        var recorder = new TransactionRecorder { Delay = TimeSpan.FromMilliseconds(150) };
        await using var b = await StartRecorderAsync(TestEngine.Sqlite, recorder);
        await using var a = await StartSenderAsync(TestEngine.Sqlite);
        var alice = await a.Server.RegisterAsync();
        var (room1, _) = await CreateRoomWithRemoteMemberAsync(alice, a, b);
        var (room2, _) = await CreateRoomWithRemoteMemberAsync(alice, a, b, "carol");

        var expected = new List<string>();
        await Task.WhenAll(Enumerable.Range(0, 2).Select(async r =>
        {
            for (int i = 0; i < 15; i++)
            {
                await SendMessageAsync(alice, r == 0 ? room1 : room2, $"r{r} {i}");
            }
        }));
        await WaitUntilAsync(() => recorder.AcceptedPdus.Count(p => BodyOf(p) is not null) == 30, "all 30 messages");
        Assert.Equal(1, recorder.MaxInFlight);
        Assert.True(recorder.Accepted.Count > 1, "several transactions");
        foreach (int r in new[] { 0, 1 })
        {
            Assert.Equal(Enumerable.Range(0, 15).Select(i => $"r{r} {i}"),
                recorder.AcceptedPdus.Select(BodyOf).Where(x => x?.StartsWith($"r{r} ", StringComparison.Ordinal) == true));
        }
    }

    [Fact]
    public async Task Kicking_a_remote_user_tells_their_server_even_when_no_one_else_there_is_left()
    {
        var recorder = new TransactionRecorder();
        await using var b = await StartRecorderAsync(TestEngine.Sqlite, recorder);
        await using var a = await StartSenderAsync(TestEngine.Sqlite);
        var alice = await a.Server.RegisterAsync();
        var (room, bob) = await CreateRoomWithRemoteMemberAsync(alice, a, b);

        await MatrixAssert.OkAsync(await alice.PostAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room.Value)}/kick",
            new { user_id = bob.Value, reason = "bye" }));
        await WaitUntilAsync(() => recorder.AcceptedPdus.Any(p => p["type"]!.GetValue<string>() == "m.room.member"
            && p["state_key"]!.GetValue<string>() == bob.Value && p["content"]!["membership"]!.GetValue<string>() == "leave"), "the kick at b");

        // b has no member left: later events stay home.
        await SendMessageAsync(alice, room, "after the kick");
        await SendMessageAsync(alice, await CreateRoomWithRemoteMemberAsync(alice, a, b, "dave").ContinueWith(t => t.Result.Room), "marker");
        await WaitUntilAsync(() => recorder.AcceptedPdus.Any(p => BodyOf(p) == "marker"), "the marker");
        Assert.DoesNotContain(recorder.AcceptedPdus, p => BodyOf(p) == "after the kick");
    }

    [Fact]
    public async Task A_pdu_the_destination_refuses_is_not_sent_again()
    {
        var recorder = new TransactionRecorder();
        await using var b = await StartRecorderAsync(TestEngine.Sqlite, recorder);
        await using var a = await StartSenderAsync(TestEngine.Sqlite);
        var alice = await a.Server.RegisterAsync();
        var (room, _) = await CreateRoomWithRemoteMemberAsync(alice, a, b);
        recorder.Delay = TimeSpan.FromMilliseconds(300);
        // The event ID is only known after the send; refuse everything b gets next.
        string refused = await SendMessageAsync(alice, room, "refused");
        recorder.PduErrors[refused] = "You are not allowed to send a message to this room.";
        await WaitUntilAsync(() => recorder.AcceptedPdus.Any(p => BodyOf(p) == "refused"), "the refused event");
        await SendMessageAsync(alice, room, "next");
        await WaitUntilAsync(() => recorder.AcceptedPdus.Any(p => BodyOf(p) == "next"), "the next event");
        Assert.Single(recorder.Attempts.SelectMany(t => t.Pdus), p => BodyOf(p) == "refused");
    }

    [Fact]
    public async Task After_a_long_outage_only_the_newest_event_of_each_room_is_sent()
    {
        var recorder = new TransactionRecorder { Failing = true };
        await using var b = await StartRecorderAsync(TestEngine.Sqlite, recorder);
        await using var a = await StartSenderAsync(TestEngine.Sqlite, Options(catchUpThreshold: 5));
        var alice = await a.Server.RegisterAsync();
        var (room1, _) = await CreateRoomWithRemoteMemberAsync(alice, a, b);
        var (room2, _) = await CreateRoomWithRemoteMemberAsync(alice, a, b, "carol");
        await SendMessageAsync(alice, room1, "first");
        await WaitUntilAsync(() => recorder.Attempts.Count >= 1, "the first attempt");
        for (int i = 0; i < 8; i++)
        {
            await SendMessageAsync(alice, room1, $"one {i}");
            await SendMessageAsync(alice, room2, $"two {i}");
        }
        recorder.Failing = false;

        await WaitUntilAsync(() => recorder.AcceptedPdus.Any(p => BodyOf(p) == "one 7") && recorder.AcceptedPdus.Any(p => BodyOf(p) == "two 7"),
            "the newest events");
        await WaitUntilAsync(async () => (await a.Server.Host.Database.FederationOutbox.GetDestinationsAsync()).Count == 0, "an empty queue");
        // The transaction in flight went as it was; of the backlog behind it, only each room's newest event.
        Assert.Equal(["first", "one 7", "two 7"], recorder.AcceptedPdus.Select(BodyOf).Where(x => x is not null).Order());
    }

    [Fact]
    public async Task A_burst_for_a_destination_that_is_up_is_sent_whole()
    {
        var recorder = new TransactionRecorder { Delay = TimeSpan.FromMilliseconds(300) };
        await using var b = await StartRecorderAsync(TestEngine.Sqlite, recorder);
        await using var a = await StartSenderAsync(TestEngine.Sqlite, Options(catchUpThreshold: 5));
        var alice = await a.Server.RegisterAsync();
        var (room, _) = await CreateRoomWithRemoteMemberAsync(alice, a, b);
        await SendMessageAsync(alice, room, "warm-up");
        await WaitUntilAsync(() => recorder.AcceptedPdus.Any(p => BodyOf(p) == "warm-up"), "the warm-up");
        for (int i = 0; i < 12; i++)
        {
            await SendMessageAsync(alice, room, $"burst {i}");
        }
        await WaitUntilAsync(() => recorder.AcceptedPdus.Any(p => BodyOf(p) == "burst 11"), "the end of the burst");
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"burst {i}"),
            recorder.AcceptedPdus.Select(BodyOf).Where(x => x?.StartsWith("burst", StringComparison.Ordinal) == true));
    }

    [Fact]
    public async Task Nothing_is_queued_for_ourselves_or_for_servers_outside_the_whitelist()
    {
        var recorder = new TransactionRecorder();
        await using var b = await StartRecorderAsync(TestEngine.Sqlite, recorder);
        await using var a = await StartSenderAsync(TestEngine.Sqlite, configure: c => c with { FederationDomainWhitelist = ["elsewhere.example"] });
        var alice = await a.Server.RegisterAsync();
        var (room, _) = await CreateRoomWithRemoteMemberAsync(alice, a, b);
        await SendMessageAsync(alice, room, "stays home");
        var sender = a.Server.Services.GetRequiredService<IFederationSender>();
        var pdu = await a.Server.Services.GetRequiredService<RoomEvents>().GetPduAsync(
            EventId.Parse(await SendMessageAsync(alice, room, "explicit")));
        await sender.SendPduAsync(pdu!, [a.ServerName, b.ServerName]);
        await sender.SendDurableEduAsync(a.ServerName, "m.direct_to_device", JsonDocument.Parse("{}").RootElement);
        sender.SendEdu(b.ServerName, "m.typing", JsonDocument.Parse("{}").RootElement);

        Assert.Empty(await a.Server.Host.Database.FederationOutbox.GetDestinationsAsync());
        await Task.Delay(300);
        Assert.Empty(recorder.Attempts);
    }
}
