using System.Collections.Concurrent;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Http;

namespace Myelin.Server.Federation.RateLimiting;

/// <summary>
/// Inbound federation requests per origin server, as Synapse's <c>rc_federation</c>: at most
/// <see cref="FederationRateLimitConfig.Concurrent"/> processed at once; beyond
/// <see cref="FederationRateLimitConfig.SleepLimit"/> requests in one window each waits
/// <see cref="FederationRateLimitConfig.SleepDelay"/> first; when more than
/// <see cref="FederationRateLimitConfig.RejectLimit"/> are already waiting, the request is refused with 429
/// <c>M_LIMIT_EXCEEDED</c>. A busy or hostile server slows itself down without starving the others.
/// </summary>
public sealed class FederationRateLimiter
{
    // Forget idle origins once the table grows past this, so one-off servers do not accumulate.
    private const int SweepThreshold = 10_000;

    private readonly FederationRateLimitConfig _config;
    private readonly bool _enabled;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<ServerName, Origin> _origins = new();

    public FederationRateLimiter(RateLimitingConfig config, TimeProvider time)
    {
        _config = config.Federation;
        _enabled = config.Enabled;
        _time = time;
    }

    /// <summary>Waits for the origin's turn; dispose the result when the request is done.</summary>
    public async ValueTask<IDisposable> AcquireAsync(ServerName origin, CancellationToken cancellationToken)
    {
        if (!_enabled)
        {
            return Slot.None;
        }
        if (_origins.Count > SweepThreshold)
        {
            Sweep();
        }
        var state = _origins.GetOrAdd(origin, _ => new Origin(_config.Concurrent));
        bool sleep;
        lock (state)
        {
            long now = _time.GetTimestamp();
            while (state.RequestTimes.TryPeek(out long oldest) && _time.GetElapsedTime(oldest, now) >= _config.WindowSize)
            {
                state.RequestTimes.Dequeue();
            }
            if (state.Waiting > _config.RejectLimit)
            {
                // Synapse's hint: the time one request's share of the window takes.
                throw MatrixException.LimitExceeded(_config.WindowSize / Math.Max(1, _config.SleepLimit),
                    "Too many requests from your server at once.");
            }
            state.RequestTimes.Enqueue(now);
            sleep = state.RequestTimes.Count > _config.SleepLimit;
            state.Waiting++;
        }
        try
        {
            if (sleep)
            {
                await Task.Delay(_config.SleepDelay, _time, cancellationToken);
            }
            await state.Concurrency.WaitAsync(cancellationToken);
        }
        finally
        {
            lock (state)
            {
                state.Waiting--;
            }
        }
        return new Slot(state.Concurrency);
    }

    private void Sweep()
    {
        long now = _time.GetTimestamp();
        foreach (var (name, state) in _origins)
        {
            lock (state)
            {
                bool idle = state.Waiting == 0 && state.Concurrency.CurrentCount == _config.Concurrent
                    && (!state.RequestTimes.TryPeek(out long newest) || _time.GetElapsedTime(newest, now) >= _config.WindowSize);
                if (idle)
                {
                    _origins.TryRemove(name, out _);
                }
            }
        }
    }

    private sealed class Origin(int concurrent)
    {
        public Queue<long> RequestTimes { get; } = new();
        public int Waiting { get; set; }
        public SemaphoreSlim Concurrency { get; } = new(concurrent, concurrent);
    }

    private sealed class Slot(SemaphoreSlim? semaphore) : IDisposable
    {
        public static readonly Slot None = new(null);
        private SemaphoreSlim? _semaphore = semaphore;

        public void Dispose() => Interlocked.Exchange(ref _semaphore, null)?.Release();
    }
}
