using Myelin.Load.Client;
using Myelin.Load.Measurement;
using Myelin.Load.Users;
using ProcessSample = Myelin.Load.Measurement.ProcessSample;

namespace Myelin.Load.Scenarios;

/// <summary>What a scenario runs with: the client, where its users come from, the progress line and the run's bounds.</summary>
public sealed class ScenarioContext(MatrixClient client, UserProvisioner users, ProgressLine progress, TimeSpan duration, string runId, int setupParallelism, int? serverPid = null)
{
    public MatrixClient Client { get; } = client;

    public UserProvisioner Users { get; } = users;

    public ProgressLine Progress { get; } = progress;

    /// <summary>How long the measured phase of time-based scenarios (send, fanout) lasts.</summary>
    public TimeSpan Duration { get; } = duration;

    /// <summary>Unique per run; marks the events this run sends so other traffic is never counted.</summary>
    public string RunId { get; } = runId;

    /// <summary>How many setup requests (registrations, joins) run at once.</summary>
    public int SetupParallelism { get; } = setupParallelism;

    /// <summary>The server process's RSS and CPU time now, when <c>--server-pid</c> was given and readable.</summary>
    public ProcessSample? SampleServer() => serverPid is { } pid ? ProcessSample.TryRead(pid, out _) : null;

    /// <summary>
    /// Reports the server CPU spent between two samples of the measured phase (setup excluded): in total, as a share
    /// of one core, and per <paramref name="unit"/> (e.g. per accepted event).
    /// </summary>
    public static void AddServerCpu(Results.ScenarioResult result, ProcessSample? before, ProcessSample? after, double seconds, long units, string unit)
    {
        if (before is null || after is null || seconds <= 0)
        {
            return;
        }
        double cpu = after.CpuSeconds - before.CpuSeconds;
        result.Add("measured_server_cpu_seconds", "server CPU (measured phase)", cpu, "s", 2);
        result.Add("measured_server_cpu_percent", "server CPU share of one core", cpu / seconds * 100, "%", 0);
        if (units > 0)
        {
            result.Add("measured_server_cpu_ms_per_" + unit, "server CPU per " + unit, cpu * 1000 / units, "ms", 2);
        }
    }
}
