using System.Globalization;
using System.Text.Json.Nodes;

namespace Myelin.Load.Measurement;

/// <summary>A server process's resident memory and CPU time at one moment, read from <c>/proc/{pid}</c>.</summary>
public sealed record ProcessSample(long RssKilobytes, double CpuSeconds)
{
    /// <summary>Linux reports utime/stime in USER_HZ ticks, which the kernel ABI fixes at 100 per second for userspace.</summary>
    public const int ClockTicksPerSecond = 100;

    /// <summary>Reads the process's sample, or null (with a reason) when it cannot be read (no such process, not Linux).</summary>
    public static ProcessSample? TryRead(int pid, out string? error)
    {
        error = null;
        try
        {
            long? rss = ParseVmRssKilobytes(File.ReadAllText($"/proc/{pid}/status"));
            double? cpu = ParseCpuSeconds(File.ReadAllText($"/proc/{pid}/stat"));
            if (rss is null || cpu is null)
            {
                error = $"/proc/{pid} has no VmRSS or utime/stime";
                return null;
            }
            return new ProcessSample(rss.Value, cpu.Value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read /proc/{pid}: {e.Message}";
            return null;
        }
    }

    /// <summary>The <c>VmRSS:</c> line of <c>/proc/{pid}/status</c>, in kB.</summary>
    public static long? ParseVmRssKilobytes(string status)
    {
        foreach (string line in status.Split('\n'))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                string[] parts = line["VmRSS:".Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                return parts.Length >= 1 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long kb) ? kb : null;
            }
        }
        return null;
    }

    /// <summary>
    /// utime + stime (fields 14 and 15 of <c>/proc/{pid}/stat</c>) in seconds. The command name (field 2) is in
    /// parentheses and may itself contain spaces and parentheses, so fields are counted after the last ')'.
    /// </summary>
    public static double? ParseCpuSeconds(string stat)
    {
        int close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        string[] fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        if (fields.Length < 13
            || !long.TryParse(fields[14 - 3], NumberStyles.None, CultureInfo.InvariantCulture, out long utime)
            || !long.TryParse(fields[15 - 3], NumberStyles.None, CultureInfo.InvariantCulture, out long stime))
        {
            return null;
        }
        return (utime + stime) / (double)ClockTicksPerSecond;
    }

    public JsonObject ToJson() => new() { ["rss_kb"] = RssKilobytes, ["cpu_seconds"] = Math.Round(CpuSeconds, 2) };
}
