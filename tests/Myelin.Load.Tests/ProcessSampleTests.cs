using System.Diagnostics;
using Myelin.Load.Measurement;

namespace Myelin.Load.Tests;

public class ProcessSampleTests
{
    [Fact]
    public void Cpu_time_is_counted_after_the_last_parenthesis_of_the_command_name()
    {
        // A command name containing ") S 1 2" must not shift the fields; utime=250 and stime=150 ticks.
        string stat = "4242 (evil) S 1 2 (x)) R 1 4242 4242 0 -1 4194304 100 0 0 0 250 150 0 0 20 0 8 0 1000 123456 789 18446744073709551615";
        Assert.Equal(4.0, ProcessSample.ParseCpuSeconds(stat));
    }

    [Fact]
    public void Malformed_stat_yields_null()
    {
        Assert.Null(ProcessSample.ParseCpuSeconds("no parenthesis here"));
        Assert.Null(ProcessSample.ParseCpuSeconds("1 (x) S 1 2"));
    }

    [Fact]
    public void Rss_is_read_from_the_vmrss_line()
    {
        Assert.Equal(53_124, ProcessSample.ParseVmRssKilobytes("Name:\tmyelin\nVmPeak:\t  900000 kB\nVmRSS:\t   53124 kB\nThreads:\t12\n"));
        Assert.Null(ProcessSample.ParseVmRssKilobytes("Name:\tkthreadd\n"));
    }

    [Fact]
    public void Own_process_can_be_sampled_and_a_missing_one_reports_why()
    {
        var sample = ProcessSample.TryRead(Environment.ProcessId, out string? error);
        Assert.Null(error);
        Assert.NotNull(sample);
        Assert.InRange(sample.RssKilobytes, 1_000, 100_000_000);
        // Within a tick or two of what .NET itself reports for this process.
        Assert.InRange(sample.CpuSeconds, 0, Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds + 1);

        Assert.Null(ProcessSample.TryRead(int.MaxValue, out error));
        Assert.Contains("/proc/2147483647", error, StringComparison.Ordinal);
    }
}
