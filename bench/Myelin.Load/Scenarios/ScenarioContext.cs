using Myelin.Load.Client;
using Myelin.Load.Measurement;
using Myelin.Load.Users;

namespace Myelin.Load.Scenarios;

/// <summary>What a scenario runs with: the client, where its users come from, the progress line and the run's bounds.</summary>
public sealed class ScenarioContext(MatrixClient client, UserProvisioner users, ProgressLine progress, TimeSpan duration, string runId, int setupParallelism)
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
}
