using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Myelin.Load.Client;
using Myelin.Load.Measurement;
using Myelin.Load.Results;

namespace Myelin.Load.Scenarios;

/// <summary>
/// U users long-poll /sync in shared rooms while senders post at a fixed rate: per-event delivery latency from the
/// start of the send to each syncer's receipt, and a check that every syncer saw every accepted event exactly once.
/// </summary>
public sealed class FanoutScenario(int syncers, int rooms, double rate, int senders, int timelineLimit, TimeSpan drain) : IScenario
{
    private const int LongPollMs = 30_000;

    public string Name => "fanout";

    public JsonObject Parameters => new()
    {
        ["syncers"] = syncers, ["rooms"] = rooms, ["rate_per_second"] = rate, ["senders"] = senders,
        ["timeline_limit"] = timelineLimit, ["long_poll_ms"] = LongPollMs, ["drain_seconds"] = drain.TotalSeconds,
    };

    /// <summary>One long-polling user and the load IDs it has received, with how often.</summary>
    private sealed class Syncer(LoadUser user)
    {
        public LoadUser User { get; } = user;

        public ConcurrentDictionary<string, int> Seen { get; } = new(StringComparer.Ordinal);

        public string Since { get; set; } = "";

        public int LimitedTimelines;
    }

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        var client = context.Client;
        string filter = SyncBatch.Filter(timelineLimit);
        context.Progress.Phase = "setup: registering users";
        LoadUser[] senderUsers = await context.Users.CreateManyAsync("fsender", senders, context.SetupParallelism, cancellationToken);
        LoadUser[] syncUsers = await context.Users.CreateManyAsync("syncer", syncers, context.SetupParallelism, cancellationToken);

        context.Progress.Phase = "setup: creating rooms";
        string[] roomIds = new string[rooms];
        for (int r = 0; r < rooms; r++)
        {
            roomIds[r] = await client.CreateRoomAsync(senderUsers[0], $"load fanout {r}", isPublic: true, cancellationToken);
        }
        context.Progress.Phase = "setup: joining rooms";
        var joiners = senderUsers.Skip(1).Concat(syncUsers).ToArray();
        await Parallel.ForAsync(0, joiners.Length * rooms, SendScenario.SetupOptions(context, cancellationToken), async (i, ct) =>
            await client.JoinRoomAsync(joiners[i / rooms], roomIds[i % rooms], ct));

        context.Progress.Phase = "setup: initial syncs";
        var syncerStates = syncUsers.Select(u => new Syncer(u)).ToArray();
        await Parallel.ForEachAsync(syncerStates, SendScenario.SetupOptions(context, cancellationToken), async (s, ct) =>
        {
            byte[] body = await client.SyncAsync(s.User, null, 0, filter, ct);
            s.Since = ParseOrThrow(body, context.RunId).NextBatch;
        });

        var sendStarts = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var sendEnds = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var receipts = new ConcurrentBag<(string Id, long ReceivedAt)>();
        var accepted = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var delivery = new LatencyRecorder();
        var sendLatency = new LatencyRecorder();
        long syncRequests = 0;

        using var stopSyncing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var syncLoops = syncerStates.Select(s => Task.Run(async () =>
        {
            while (!stopSyncing.IsCancellationRequested)
            {
                try
                {
                    byte[] body = await client.SyncAsync(s.User, s.Since, LongPollMs, filter, stopSyncing.Token);
                    long receivedAt = Stopwatch.GetTimestamp();
                    Interlocked.Increment(ref syncRequests);
                    var batch = SyncBatch.Parse(body, context.RunId);
                    s.Since = batch.NextBatch;
                    s.LimitedTimelines += batch.LimitedTimelines;
                    foreach (string id in batch.LoadIds)
                    {
                        s.Seen.AddOrUpdate(id, 1, (_, n) => n + 1);
                        if (sendStarts.TryGetValue(id, out long sentAt))
                        {
                            delivery.Record(Stopwatch.GetElapsedTime(sentAt, receivedAt).TotalMilliseconds);
                        }
                        receipts.Add((id, receivedAt));
                    }
                }
                catch (MatrixRequestException e)
                {
                    result.Errors.Add(e);
                    await SendScenario.BackOffAsync(e, stopSyncing.Token);
                }
                catch (FormatException e)
                {
                    result.Errors.Add(new MatrixRequestException("GET /_matrix/client/v3/sync", 200, "BAD_RESPONSE", e.Message));
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }, CancellationToken.None)).ToArray();

        // Give the long polls a moment to reach the server, so the first events measure delivery, not connection set-up.
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        context.Progress.Phase = string.Create(CultureInfo.InvariantCulture, $"fanout: {syncers} syncers, {rate} ev/s");
        var cpuBefore = context.SampleServer();
        long start = Stopwatch.GetTimestamp();
        var inFlight = new List<Task>();
        using var sendSlots = new SemaphoreSlim(256);
        long planned = (long)Math.Floor(rate * context.Duration.TotalSeconds);
        for (long i = 0; i < planned && !cancellationToken.IsCancellationRequested; i++)
        {
            // A fixed schedule: event i is due at i / rate seconds, however long earlier sends took.
            TimeSpan due = TimeSpan.FromSeconds(i / rate) - Stopwatch.GetElapsedTime(start);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }
            await sendSlots.WaitAsync(cancellationToken);
            long sequence = i;
            inFlight.Add(Task.Run(async () =>
            {
                try
                {
                    string id = LoadMessage.NewId(context.RunId, sequence);
                    long sentAt = Stopwatch.GetTimestamp();
                    sendStarts[id] = sentAt;
                    try
                    {
                        await client.SendMessageAsync(senderUsers[sequence % senders], roomIds[sequence % rooms], id.Replace(':', '-'),
                            LoadMessage.Create(id, string.Create(CultureInfo.InvariantCulture, $"fanout message {sequence}")), cancellationToken);
                        sendEnds[id] = Stopwatch.GetTimestamp();
                        sendLatency.RecordSince(sentAt);
                        accepted[id] = 0;
                    }
                    catch (MatrixRequestException e)
                    {
                        result.Errors.Add(e);
                    }
                }
                finally
                {
                    sendSlots.Release();
                }
            }, CancellationToken.None));
        }
        await Task.WhenAll(inFlight);
        double sendSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        // Wait until every syncer has every accepted event, or the drain time is up.
        context.Progress.Phase = "fanout: draining";
        long drainStart = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(drainStart) < drain && !cancellationToken.IsCancellationRequested
            && syncerStates.Any(s => s.Seen.Count < accepted.Count))
        {
            await Task.Delay(100, cancellationToken);
        }
        double phaseSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var cpuAfter = context.SampleServer();
        await stopSyncing.CancelAsync();
        await Task.WhenAll(syncLoops);

        long missed = 0, duplicated = 0, unexpected = 0;
        foreach (var s in syncerStates)
        {
            missed += accepted.Keys.Count(id => !s.Seen.ContainsKey(id));
            duplicated += s.Seen.Values.Sum(n => n - 1);
            unexpected += s.Seen.Keys.Count(id => !accepted.ContainsKey(id));
        }
        result.Add("send_seconds", "sending time", sendSeconds, "s");
        result.Add("events_planned", "events planned", planned);
        result.Add("events_accepted", "events accepted", accepted.Count);
        result.Add("send_rate", "send rate achieved", accepted.Count / sendSeconds, "ev/s");
        result.AddLatency("send_latency", "send latency", sendLatency.Summarize());
        result.AddLatency("delivery_latency", "delivery latency (send -> sync)", delivery.Summarize());
        // From the send's 200 to the syncer's receipt: the fan-out itself, without time queued behind other sends.
        // Negative when a syncer hears of the event before its sender does.
        var afterAccept = new LatencyRecorder();
        foreach (var (id, receivedAt) in receipts)
        {
            if (sendEnds.TryGetValue(id, out long acceptedAt))
            {
                afterAccept.Record((receivedAt - acceptedAt) * 1000.0 / Stopwatch.Frequency);
            }
        }
        result.AddLatency("delivery_after_accept", "delivery after send's 200", afterAccept.Summarize());
        result.Add("deliveries_expected", "deliveries expected", (long)accepted.Count * syncers);
        result.Add("sync_responses", "sync responses", Interlocked.Read(ref syncRequests));
        result.Add("limited_timelines", "limited timelines seen", syncerStates.Sum(s => (long)s.LimitedTimelines));
        ScenarioContext.AddServerCpu(result, cpuBefore, cpuAfter, phaseSeconds, accepted.Count, "event");
        result.Check("no missed events", missed == 0, $"{missed} (syncer, event) pairs missing after {drain.TotalSeconds:F0} s drain");
        result.Check("no duplicated events", duplicated == 0, $"{duplicated} duplicate deliveries");
        result.Check("no unexpected events", unexpected == 0, $"{unexpected} deliveries of events whose send failed");
        result.Check("every send accepted", accepted.Count == planned, $"{accepted.Count} of {planned}");
    }

    internal static SyncBatch ParseOrThrow(byte[] body, string runId)
    {
        try
        {
            return SyncBatch.Parse(body, runId);
        }
        catch (FormatException e)
        {
            throw new MatrixRequestException("GET /_matrix/client/v3/sync", 200, "BAD_RESPONSE", e.Message);
        }
    }
}
