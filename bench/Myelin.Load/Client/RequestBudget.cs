namespace Myelin.Load.Client;

/// <summary>
/// The hard cap on requests a run may make (<c>--max-requests</c>). Every request takes one; when none are left the run
/// is cancelled, so a mistaken size can never turn into an unbounded flood.
/// </summary>
public sealed class RequestBudget(long maxRequests, CancellationTokenSource stopRun)
{
    private long _taken;
    private long _errors;

    public long MaxRequests { get; } = maxRequests;

    public long Taken => Math.Min(Interlocked.Read(ref _taken), MaxRequests);

    public long Errors => Interlocked.Read(ref _errors);

    public bool Exhausted { get; private set; }

    /// <summary>Takes one request; throws <see cref="OperationCanceledException"/> (and stops the run) when the cap is reached.</summary>
    public void Take()
    {
        if (Interlocked.Increment(ref _taken) > MaxRequests)
        {
            Exhausted = true;
            stopRun.Cancel();
            throw new OperationCanceledException($"--max-requests ({MaxRequests}) reached", stopRun.Token);
        }
    }

    public void CountError() => Interlocked.Increment(ref _errors);
}
