using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Myelin.Load.Client;
using Myelin.Load.Measurement;
using Myelin.Load.Results;

namespace Myelin.Load.Scenarios;

/// <summary>
/// A user in N rooms with M events each: time and size of an initial /sync (first, then warm repeats), and of an
/// incremental /sync after a long gap in which G more events arrived.
/// </summary>
public sealed class InitialSyncScenario(int rooms, int eventsPerRoom, int gapEvents, int timelineLimit, int repeats) : IScenario
{
    public string Name => "initial-sync";

    public JsonObject Parameters => new()
    {
        ["rooms"] = rooms, ["events_per_room"] = eventsPerRoom, ["gap_events"] = gapEvents,
        ["timeline_limit"] = timelineLimit, ["repeats"] = repeats,
    };

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        var client = context.Client;
        string filter = SyncBatch.Filter(timelineLimit);
        context.Progress.Phase = "setup: registering";
        LoadUser user = await context.Users.CreateAsync("syncing", cancellationToken);

        context.Progress.Phase = $"setup: creating {rooms} rooms";
        string[] roomIds = new string[rooms];
        // One after another, as a client would: one user's parallel creates can collide (see SendScenario).
        for (int r = 0; r < rooms; r++)
        {
            roomIds[r] = await client.CreateRoomAsync(user, $"load initial-sync {r}", isPublic: false, cancellationToken);
        }

        context.Progress.Phase = $"setup: {rooms * (long)eventsPerRoom} events";
        long sequence = 0;
        // Rooms fill in parallel; events within a room go in order, like a conversation.
        await Parallel.ForAsync(0, rooms, SendScenario.SetupOptions(context, cancellationToken), async (r, ct) =>
        {
            for (int e = 0; e < eventsPerRoom; e++)
            {
                await SendAsync(context, user, roomIds[r], Interlocked.Increment(ref sequence), ct);
            }
        });

        context.Progress.Phase = "initial sync";
        string? firstToken = null;
        var warm = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            byte[] body = await client.SyncAsync(user, null, 0, filter, cancellationToken);
            double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            var batch = FanoutScenario.ParseOrThrow(body, context.RunId);
            if (i == 0)
            {
                firstToken = batch.NextBatch;
                result.Add("initial_sync_ms", "initial sync (first)", ms, "ms");
                result.Add("initial_sync_bytes", "initial sync size", body.LongLength, "bytes");
                result.Add("initial_sync_rooms", "rooms in initial sync", batch.JoinedRooms);
                result.Add("initial_sync_timeline_events", "timeline events in it", batch.TimelineEvents);
                result.Check("initial sync has every room", batch.JoinedRooms == rooms, $"{batch.JoinedRooms} of {rooms} rooms in rooms.join");
            }
            else
            {
                warm.Add(ms);
            }
        }
        if (warm.Count > 0)
        {
            result.AddLatency("initial_sync_repeat", "initial sync (repeats)", LatencySummary.From([.. warm]));
        }

        context.Progress.Phase = $"setup: {gapEvents} gap events";
        var gapIds = new HashSet<string>(StringComparer.Ordinal);
        for (int g = 0; g < gapEvents; g++)
        {
            gapIds.Add(await SendAsync(context, user, roomIds[g % rooms], Interlocked.Increment(ref sequence), cancellationToken));
        }

        context.Progress.Phase = "incremental sync after gap";
        long incrementalStart = Stopwatch.GetTimestamp();
        byte[] incremental = await client.SyncAsync(user, firstToken, 0, filter, cancellationToken);
        double incrementalMs = Stopwatch.GetElapsedTime(incrementalStart).TotalMilliseconds;
        var incrementalBatch = FanoutScenario.ParseOrThrow(incremental, context.RunId);
        result.Add("incremental_sync_ms", "incremental sync after gap", incrementalMs, "ms");
        result.Add("incremental_sync_bytes", "incremental sync size", incremental.LongLength, "bytes");
        result.Add("incremental_sync_rooms", "rooms in incremental sync", incrementalBatch.JoinedRooms);
        int found = incrementalBatch.LoadIds.Count(gapIds.Contains);
        // A room with more gap events than the timeline limit is legitimately "limited"; only the newest events must be there.
        int expected = Enumerable.Range(0, rooms).Sum(r => Math.Min(timelineLimit, gapEvents / rooms + (r < gapEvents % rooms ? 1 : 0)));
        result.Check("incremental sync has the gap's events", found == expected, $"{found} of {expected} expected gap events");
    }

    private static async Task<string> SendAsync(ScenarioContext context, LoadUser user, string roomId, long sequence, CancellationToken ct)
    {
        string id = LoadMessage.NewId(context.RunId, sequence);
        await context.Client.SendMessageAsync(user, roomId, id.Replace(':', '-'),
            LoadMessage.Create(id, string.Create(CultureInfo.InvariantCulture, $"history message {sequence}")), ct);
        return id;
    }
}
