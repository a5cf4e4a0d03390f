using System.Diagnostics;
using System.Globalization;
using Myelin.Load.Client;

namespace Myelin.Load.Measurement;

/// <summary>One status line, refreshed every second on stderr: phase, elapsed time, requests and errors so far.</summary>
public sealed class ProgressLine : IAsyncDisposable
{
    private readonly RequestBudget _budget;
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private volatile string _phase = "starting";
    private long _lastRequests;

    public ProgressLine(RequestBudget budget)
    {
        _budget = budget;
        _loop = Task.Run(LoopAsync);
    }

    public string Phase
    {
        get => _phase;
        set => _phase = value;
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                Write(final: false);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    private void Write(bool final)
    {
        long requests = _budget.Taken;
        long perSecond = requests - _lastRequests;
        _lastRequests = requests;
        string line = string.Create(CultureInfo.InvariantCulture,
            $"[{Stopwatch.GetElapsedTime(_start).TotalSeconds,6:F1}s] {_phase,-28} requests {requests,9}  ({perSecond,6}/s)  errors {_budget.Errors,6}");
        if (_interactive)
        {
            Console.Error.Write("\r" + line + (final ? "\n" : ""));
        }
        else
        {
            Console.Error.WriteLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        Write(final: true);
        _stop.Dispose();
    }
}
