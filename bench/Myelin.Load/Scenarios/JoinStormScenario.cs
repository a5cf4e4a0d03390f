using System.Diagnostics;
using System.Text.Json.Nodes;
using Myelin.Load.Client;
using Myelin.Load.Measurement;
using Myelin.Load.Results;

namespace Myelin.Load.Scenarios;

/// <summary>
/// Many users join one public room at once: joins/s and join latency, then the room's joined members are checked
/// to be exactly the creator and every user whose join succeeded.
/// </summary>
public sealed class JoinStormScenario(int joiners, int concurrency) : IScenario
{
    public string Name => "join-storm";

    public JsonObject Parameters => new() { ["joiners"] = joiners, ["concurrency"] = concurrency };

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        var client = context.Client;
        context.Progress.Phase = "setup: registering";
        LoadUser creator = await context.Users.CreateAsync("host", cancellationToken);
        LoadUser[] users = await context.Users.CreateManyAsync("joiner", joiners, context.SetupParallelism, cancellationToken);
        context.Progress.Phase = "setup: creating the room";
        string roomId = await client.CreateRoomAsync(creator, "load join-storm", isPublic: true, cancellationToken);

        context.Progress.Phase = $"join-storm: {joiners} joiners";
        var latency = new LatencyRecorder();
        var joined = new bool[joiners];
        long start = Stopwatch.GetTimestamp();
        await Parallel.ForAsync(0, joiners, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            long t = Stopwatch.GetTimestamp();
            try
            {
                await client.JoinRoomAsync(users[i], roomId, ct);
                latency.RecordSince(t);
                joined[i] = true;
            }
            catch (MatrixRequestException e)
            {
                result.Errors.Add(e);
            }
        });
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        int succeeded = joined.Count(j => j);
        result.Add("wall_seconds", "join storm time", seconds, "s", 3);
        result.Add("joins", "joins succeeded", succeeded);
        result.Add("joins_per_second", "joins/s", succeeded / seconds, "joins/s");
        result.AddLatency("join_latency", "join latency", latency.Summarize());

        context.Progress.Phase = "join-storm: checking members";
        var members = (await client.GetJoinedMembersAsync(creator, roomId, cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var expected = users.Where((_, i) => joined[i]).Select(u => u.UserId).Append(creator.UserId).ToHashSet(StringComparer.Ordinal);
        result.Add("joined_members", "joined_members count", members.Count);
        result.Check("every join succeeded", succeeded == joiners, $"{succeeded} of {joiners}");
        result.Check("joined_members is exact", members.SetEquals(expected),
            $"{members.Count} members, expected {expected.Count}; missing {expected.Except(members).Count()}, unexpected {members.Except(expected).Count()}");
    }
}
