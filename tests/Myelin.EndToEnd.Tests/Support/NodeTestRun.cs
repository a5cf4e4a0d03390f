using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Myelin.EndToEnd.Tests.Support;

/// <summary>
/// Runs one tests/e2e/*.test.js file with node's test runner (the client library is matrix-js-sdk, installed
/// by `npm ci` in tests/e2e, which scripts/test.sh does) and hands back its exit code and output.
/// </summary>
public static class NodeTestRun
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>tests/e2e, found upwards from the test assembly; fails with the fix when node_modules is missing.</summary>
    public static string E2eDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "tests", "e2e");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                Assert.True(Directory.Exists(Path.Combine(candidate, "node_modules", "matrix-js-sdk")),
                    $"matrix-js-sdk is not installed in {candidate}/node_modules: run `npm ci` there (scripts/test.sh does).");
                return candidate;
            }
        }
        throw new InvalidOperationException($"tests/e2e/package.json not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>Runs <paramref name="testFile"/> with the given environment (MYELIN_URL, ...); asserts it passed.</summary>
    public static async Task AssertPassesAsync(string testFile, IReadOnlyDictionary<string, string> environment)
    {
        var (exitCode, output) = await RunAsync(E2eDirectory(), testFile, environment);
        Assert.True(exitCode == 0, $"node --test {testFile} exited with {exitCode}:\n{output}");
        // node's runner closes with "# pass N" / "# fail N": a file that registered no test must not count as a pass.
        var passed = Regex.Match(output, @"^# pass (\d+)$", RegexOptions.Multiline);
        Assert.True(passed.Success && int.Parse(passed.Groups[1].Value, CultureInfo.InvariantCulture) > 0,
            $"node --test {testFile} ran no test:\n{output}");
        Assert.Matches(new Regex(@"^# fail 0$", RegexOptions.Multiline), output);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, string testFile, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // --test-force-exit: matrix-js-sdk leaves sockets open after stopClient, which would hold node until they time out.
        foreach (string arg in (string[])["--test", "--test-concurrency=1", "--test-force-exit", testFile])
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        var output = new StringBuilder();
        var stdout = PumpAsync(process.StandardOutput, output);
        var stderr = PumpAsync(process.StandardError, output);
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            await Task.WhenAll(stdout, stderr);
            return (-1, $"timed out after {Timeout}\n{output}");
        }
        await Task.WhenAll(stdout, stderr);
        return (process.ExitCode, output.ToString());
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder output)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}
