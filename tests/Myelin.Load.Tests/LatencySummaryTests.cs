using Myelin.Load.Measurement;

namespace Myelin.Load.Tests;

public class LatencySummaryTests
{
    [Fact]
    public void Percentiles_use_the_nearest_rank()
    {
        // The textbook nearest-rank example: 15, 20, 35, 40, 50.
        double[] sorted = [15, 20, 35, 40, 50];
        Assert.Equal(20, LatencySummary.Percentile(sorted, 30));
        Assert.Equal(20, LatencySummary.Percentile(sorted, 40));
        Assert.Equal(35, LatencySummary.Percentile(sorted, 50));
        Assert.Equal(50, LatencySummary.Percentile(sorted, 100));
        Assert.Equal(15, LatencySummary.Percentile(sorted, 0));
    }

    [Fact]
    public void Summary_of_one_to_a_hundred_has_exact_percentiles()
    {
        double[] samples = [.. Enumerable.Range(1, 100).Select(i => (double)i).Reverse()];
        var summary = LatencySummary.From(samples);
        Assert.Equal(100, summary.Count);
        Assert.Equal(50.5, summary.Mean);
        Assert.Equal(50, summary.P50);
        Assert.Equal(95, summary.P95);
        Assert.Equal(99, summary.P99);
        Assert.Equal(100, summary.Max);
    }

    [Fact]
    public void A_single_slow_request_in_a_hundred_shows_only_at_the_maximum()
    {
        double[] samples = [.. Enumerable.Repeat(1.0, 99).Append(500)];
        var summary = LatencySummary.From(samples);
        Assert.Equal(1, summary.P99);
        Assert.Equal(500, summary.Max);
    }

    [Fact]
    public void No_samples_summarise_as_empty_and_percentile_of_nothing_throws()
    {
        Assert.Equal(0, LatencySummary.From([]).Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencySummary.Percentile([], 50));
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencySummary.Percentile([1.0], 101));
    }

    [Fact]
    public void Recorder_collects_from_many_tasks()
    {
        var recorder = new LatencyRecorder();
        Parallel.For(0, 1000, i => recorder.Record(i));
        var summary = recorder.Summarize();
        Assert.Equal(1000, summary.Count);
        Assert.Equal(999, summary.Max);
        Assert.Equal(499, summary.P50);
    }
}
