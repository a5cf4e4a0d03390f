using System.Diagnostics;
using System.Text.Json.Nodes;
using Myelin.Load.Client;
using Myelin.Load.Measurement;
using Myelin.Load.Results;

namespace Myelin.Load.Scenarios;

/// <summary>
/// The classic sequential workload: every line of a play posted in order; each new speaker first registers, logs in
/// (<c>m.login.password</c>) and joins the room (the first speaker creates it). Measures the total wall time.
/// </summary>
public sealed class RjBenchScenario(PlayScript play, string playName) : IScenario
{
    public string Name => "rjbench";

    public JsonObject Parameters => new()
    {
        ["play"] = playName, ["lines"] = play.Lines.Count, ["speakers"] = play.Lines.Select(l => l.Speaker).Distinct().Count(),
    };

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        if (!context.Users.CanRegister)
        {
            throw new InvalidOperationException("rjbench registers and logs in each speaker; use --registration open or shared-secret, not file.");
        }
        var client = context.Client;
        var register = new LatencyRecorder();
        var login = new LatencyRecorder();
        var join = new LatencyRecorder();
        var send = new LatencyRecorder();
        var speakers = new Dictionary<string, LoadUser>(StringComparer.Ordinal);
        string? roomId = null;
        context.Progress.Phase = "rjbench";
        long start = Stopwatch.GetTimestamp();
        int posted = 0;
        try
        {
            await PerformAsync();
        }
        finally
        {
            // Also when an endpoint fails part-way: the steps that did complete are still worth reporting.
            double total = Stopwatch.GetElapsedTime(start).TotalSeconds;
            result.Add("wall_seconds", "total wall time", total, "s", 3);
            result.Add("lines", "lines posted", posted);
            result.Add("speakers", "speakers (register+login+join)", speakers.Count);
            result.AddLatency("register_latency", "register", register.Summarize());
            result.AddLatency("login_latency", "login", login.Summarize());
            result.AddLatency("join_latency", "create/join", join.Summarize());
            result.AddLatency("send_latency", "send", send.Summarize());
        }

        async Task PerformAsync()
        {
            for (int i = 0; i < play.Lines.Count; i++)
            {
                var (speaker, line) = play.Lines[i];
                if (!speakers.TryGetValue(speaker, out var user))
                {
                    long t = Stopwatch.GetTimestamp();
                    var registered = await context.Users.CreateAsync(PlayScript.Localpart(speaker), cancellationToken);
                    register.RecordSince(t);
                    t = Stopwatch.GetTimestamp();
                    user = await client.LoginAsync(registered.Localpart, context.Users.Password, cancellationToken);
                    login.RecordSince(t);
                    t = Stopwatch.GetTimestamp();
                    if (roomId is null)
                    {
                        roomId = await client.CreateRoomAsync(user, "rjbench: " + playName, isPublic: true, cancellationToken);
                    }
                    else
                    {
                        await client.JoinRoomAsync(user, roomId, cancellationToken);
                    }
                    join.RecordSince(t);
                    speakers[speaker] = user;
                }
                long sentAt = Stopwatch.GetTimestamp();
                string id = LoadMessage.NewId(context.RunId, i);
                await client.SendMessageAsync(user, roomId!, id.Replace(':', '-'), LoadMessage.Create(id, line), cancellationToken);
                send.RecordSince(sentAt);
                posted++;
            }
        }
    }
}
