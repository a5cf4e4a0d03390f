using System.Globalization;

namespace Myelin.Load.Measurement;

/// <summary>The machine's 1/5/15-minute load average (<c>/proc/loadavg</c>): recorded with every figure because the machine may be shared.</summary>
public static class LoadAverage
{
    public static string Read()
    {
        try
        {
            string[] parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return parts.Length >= 3 ? string.Join(' ', parts[0], parts[1], parts[2]) : "unknown";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    public static string Machine()
    {
        string model = "unknown";
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    model = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux: the model stays unknown.
        }
        return string.Create(CultureInfo.InvariantCulture, $"{model}, {Environment.ProcessorCount} CPUs");
    }
}
