using System.Text.Json.Nodes;

namespace Myelin.Load.Measurement;

/// <summary>Count, mean and percentiles of a set of latencies (milliseconds).</summary>
public sealed record LatencySummary(int Count, double Mean, double P50, double P95, double P99, double Max)
{
    public static readonly LatencySummary Empty = new(0, 0, 0, 0, 0, 0);

    /// <summary>Summarises <paramref name="samples"/> (sorted in place).</summary>
    public static LatencySummary From(double[] samples)
    {
        if (samples.Length == 0)
        {
            return Empty;
        }
        Array.Sort(samples);
        return new LatencySummary(samples.Length, samples.Average(), Percentile(samples, 50), Percentile(samples, 95), Percentile(samples, 99), samples[^1]);
    }

    /// <summary>
    /// The nearest-rank percentile of ascending <paramref name="sorted"/>: the smallest sample such that at least
    /// <paramref name="percent"/> % of samples are at or below it. Never interpolates, so it is always a latency that happened.
    /// </summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sorted.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(percent, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        int rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    public JsonObject ToJson() => new()
    {
        ["count"] = Count,
        ["mean_ms"] = Math.Round(Mean, 3),
        ["p50_ms"] = Math.Round(P50, 3),
        ["p95_ms"] = Math.Round(P95, 3),
        ["p99_ms"] = Math.Round(P99, 3),
        ["max_ms"] = Math.Round(Max, 3),
    };
}
