using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Myelin.Load.Client;
using Myelin.Load.Measurement;
using Myelin.Load.Results;

namespace Myelin.Load.Scenarios;

/// <summary>
/// S concurrent senders post <c>m.room.message</c> events as fast as the server accepts them into R rooms (one busy room,
/// or many) for the run's duration: accepted events/s, send latency percentiles and errors by errcode.
/// </summary>
public sealed class SendScenario(int senders, int rooms) : IScenario
{
    public string Name => "send";

    public JsonObject Parameters => new() { ["senders"] = senders, ["rooms"] = rooms };

    /// <summary>
    /// The rooms sender <paramref name="sender"/> posts into: with at least as many rooms as senders each sender owns
    /// every S-th room; otherwise senders share rooms round-robin.
    /// </summary>
    public static int[] RoomsOf(int sender, int senderCount, int roomCount) =>
        roomCount >= senderCount
            ? [.. Enumerable.Range(0, roomCount).Where(r => r % senderCount == sender)]
            : [sender % roomCount];

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        var client = context.Client;
        context.Progress.Phase = "setup: registering senders";
        LoadUser[] users = await context.Users.CreateManyAsync("sender", senders, context.SetupParallelism, cancellationToken);

        // Room r is created by the first sender that posts into it (sender r % S), so only the others need to join.
        // Each user creates its rooms one after another, as a client would (and in room version 12 two identical
        // create events from one user in the same millisecond would be the same room).
        context.Progress.Phase = "setup: creating rooms";
        string[] roomIds = new string[rooms];
        await Parallel.ForAsync(0, Math.Min(senders, rooms), SetupOptions(context, cancellationToken), async (creator, ct) =>
        {
            for (int r = creator; r < rooms; r += senders)
            {
                roomIds[r] = await client.CreateRoomAsync(users[creator], $"load send {r}", isPublic: true, ct);
            }
        });
        context.Progress.Phase = "setup: joining rooms";
        await Parallel.ForAsync(0, senders, SetupOptions(context, cancellationToken), async (s, ct) =>
        {
            foreach (int r in RoomsOf(s, senders, rooms))
            {
                if (r % senders != s)
                {
                    await client.JoinRoomAsync(users[s], roomIds[r], ct);
                }
            }
        });

        context.Progress.Phase = $"send: {senders} senders, {rooms} rooms";
        var latency = new LatencyRecorder();
        long accepted = 0;
        using var measured = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var cpuBefore = context.SampleServer();
        measured.CancelAfter(context.Duration);
        long start = Stopwatch.GetTimestamp();
        var workers = new Task[senders];
        for (int s = 0; s < senders; s++)
        {
            int sender = s;
            workers[s] = Task.Run(async () =>
            {
                int[] own = RoomsOf(sender, senders, rooms);
                for (long k = 0; !measured.IsCancellationRequested; k++)
                {
                    string id = LoadMessage.NewId(context.RunId, ((long)sender << 32) | k);
                    long sentAt = Stopwatch.GetTimestamp();
                    try
                    {
                        await client.SendMessageAsync(users[sender], roomIds[own[k % own.Length]], id.Replace(':', '-'),
                            LoadMessage.Create(id, string.Create(CultureInfo.InvariantCulture, $"sender {sender} message {k}")), measured.Token);
                        latency.RecordSince(sentAt);
                        Interlocked.Increment(ref accepted);
                    }
                    catch (MatrixRequestException e)
                    {
                        result.Errors.Add(e);
                        await BackOffAsync(e, measured.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }, CancellationToken.None);
        }
        await Task.WhenAll(workers);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var cpuAfter = context.SampleServer();

        result.Add("duration_s", "measured time", seconds, "s");
        result.Add("events_accepted", "events accepted", accepted);
        result.Add("events_per_second", "events/s accepted", accepted / seconds, "ev/s");
        result.AddLatency("send_latency", "send latency", latency.Summarize());
        result.Add("errors_total", "failed sends", result.Errors.Total);
        ScenarioContext.AddServerCpu(result, cpuBefore, cpuAfter, seconds, accepted, "event");
    }

    /// <summary>Honours <c>retry_after_ms</c> on M_LIMIT_EXCEEDED (so a rate-limited server is not hammered); pauses briefly otherwise.</summary>
    internal static async Task BackOffAsync(MatrixRequestException e, CancellationToken ct)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(e.RetryAfterMs ?? 100, 10, 5_000)), ct);
        }
        catch (OperationCanceledException)
        {
            // The measured phase ended while backing off.
        }
    }

    internal static ParallelOptions SetupOptions(ScenarioContext context, CancellationToken ct) =>
        new() { MaxDegreeOfParallelism = context.SetupParallelism, CancellationToken = ct };
}
