using System.Diagnostics;
using System.Net;
using System.Text;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Hosting;

namespace Myelin.EndToEnd.Tests;

/// <summary>
/// Starts a real Myelin (SQLite, open registration, no rate limits) and drives it with matrix-js-sdk — the library
/// Element is built on — through tests/e2e/client-flows.test.js: register, profile, rooms, invites, chat,
/// pagination, edits, redactions, typing, receipts, leaving.
/// </summary>
public sealed class ClientLibraryFlowTests
{
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Matrix_js_sdk_client_flows_pass()
    {
        string e2eDirectory = FindE2eDirectory();
        Assert.True(Directory.Exists(Path.Combine(e2eDirectory, "node_modules", "matrix-js-sdk")),
            $"matrix-js-sdk is not installed in {e2eDirectory}/node_modules: run `npm ci` there (scripts/test.sh does).");

        string dataDirectory = Path.Combine(Path.GetTempPath(), "myelin-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dataDirectory);
        try
        {
            var config = MyelinConfig.CreateDefault(ServerName.Parse("localhost"), dataDirectory) with
            {
                Database = DatabaseConfig.Sqlite(Path.Combine(dataDirectory, "homeserver.db")),
                Listeners = [ListenerConfig.Http(IPAddress.Loopback, 0)],
                EnableRegistration = true,
                RateLimiting = new RateLimitingConfig { Enabled = false },
            };
            await using var host = await MyelinHost.StartAsync(config, new MyelinHostOptions { ConsoleLogging = false });
            var (exitCode, output) = await RunNodeAsync(e2eDirectory, host.BaseAddress.ToString().TrimEnd('/'));
            Assert.True(exitCode == 0, $"node --test exited with {exitCode}:\n{output}");
        }
        finally
        {
            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp directory left behind is harmless.
            }
        }
    }

    private static async Task<(int ExitCode, string Output)> RunNodeAsync(string workingDirectory, string baseUrl)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // --test-force-exit: matrix-js-sdk leaves sockets open after stopClient, which would hold node until they time out.
        foreach (string arg in (string[])["--test", "--test-concurrency=1", "--test-force-exit", "client-flows.test.js"])
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["MYELIN_URL"] = baseUrl;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        var output = new StringBuilder();
        var stdout = PumpAsync(process.StandardOutput, output);
        var stderr = PumpAsync(process.StandardError, output);
        using var timeout = new CancellationTokenSource(NodeTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            await Task.WhenAll(stdout, stderr);
            return (-1, $"timed out after {NodeTimeout}\n{output}");
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

    private static string FindE2eDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "tests", "e2e");
            if (File.Exists(Path.Combine(candidate, "client-flows.test.js")))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException($"tests/e2e/client-flows.test.js not found above {AppContext.BaseDirectory}.");
    }
}
