using Prometheus;

namespace Myelin.Server.Metrics;

/// <summary>
/// The server's Prometheus metrics, exported at <c>/metrics</c>. HTTP request counts and latencies per route are
/// recorded by the HTTP pipeline; services and storage time their work with <see cref="TimeDatabase"/> or
/// histograms of their own from <see cref="CreateHistogram"/>.
/// </summary>
public sealed class MyelinMetrics
{
    // Buckets from 0.5 ms to ~16 s: database calls and request handlers both fall in this range.
    private static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.0005, 2, 16);

    public MyelinMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        Factory = Prometheus.Metrics.WithCustomRegistry(registry);
        DatabaseDuration = CreateHistogram(
            "myelin_database_operation_duration_seconds", "Time spent in database operations, by operation.", "operation");
    }

    public CollectorRegistry Registry { get; }

    public IMetricFactory Factory { get; }

    /// <summary><c>myelin_database_operation_duration_seconds{operation}</c>.</summary>
    public Histogram DatabaseDuration { get; }

    /// <summary>Times one database operation until the returned timer is disposed: <c>using var _ = metrics.TimeDatabase("users.get");</c></summary>
    public IDisposable TimeDatabase(string operation) => DatabaseDuration.WithLabels(operation).NewTimer();

    /// <summary>A latency histogram (seconds) with the server's standard buckets.</summary>
    public Histogram CreateHistogram(string name, string help, params string[] labelNames) =>
        Factory.CreateHistogram(name, help, labelNames, new HistogramConfiguration { Buckets = LatencyBuckets });

    public Counter CreateCounter(string name, string help, params string[] labelNames) =>
        Factory.CreateCounter(name, help, labelNames);

    public Gauge CreateGauge(string name, string help, params string[] labelNames) =>
        Factory.CreateGauge(name, help, labelNames);
}
