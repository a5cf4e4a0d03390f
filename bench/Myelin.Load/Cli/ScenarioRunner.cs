using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Load.Client;
using Myelin.Load.Measurement;
using Myelin.Load.Results;
using Myelin.Load.Scenarios;
using Myelin.Load.Users;

namespace Myelin.Load.Cli;

/// <summary>
/// Runs one scenario inside the run's bounds (time limit, request cap), samples the server process before and after,
/// prints the summary table and writes the JSON results.
/// </summary>
public static class ScenarioRunner
{
    public const int ExitOk = 0;
    public const int ExitFailed = 1;
    public const int ExitInvalidArguments = 2;
    public const int ExitNotMeasurable = 3;
    public const int ExitIncorrect = 4;
    public const int ExitStopped = 5;

    public static async Task<int> RunAsync(LoadSettings settings, IScenario scenario, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var problems = settings.Validate();
        var target = TargetUrl.TryCreate(settings.Url, settings.AllowRemote, settings.UrlGivenExplicitly, out string? urlError);
        if (urlError is not null)
        {
            problems.Insert(0, urlError);
        }
        IReadOnlyList<LoadUser> fileUsers = [];
        if (problems.Count == 0 && settings.Registration == RegistrationMode.File)
        {
            try
            {
                fileUsers = UsersFile.Parse(await File.ReadAllTextAsync(settings.UsersFile!, cancellationToken), settings.UsersFile!);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                problems.Add($"--users-file: {e.Message}");
            }
        }
        if (problems.Count > 0 || target is null)
        {
            foreach (string problem in problems)
            {
                await error.WriteLineAsync("error: " + problem);
            }
            return ExitInvalidArguments;
        }

        string runId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        string prefix = settings.UserPrefix ?? $"load-{runId}-";
        string password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        using var stopRun = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stopRun.CancelAfter(TimeSpan.FromSeconds(settings.TimeLimitSeconds));
        var budget = new RequestBudget(settings.MaxRequests, stopRun);
        using var http = LoadHttpClient.Create(target, settings.MaxConnections, TimeSpan.FromSeconds(settings.TimeLimitSeconds));
        var client = new MatrixClient(http, budget);
        var users = new UserProvisioner(client, settings.Registration, settings.SharedSecret, fileUsers, prefix, password);

        var result = new ScenarioResult(scenario.Name);
        foreach (var (key, value) in scenario.Parameters)
        {
            result.Parameters[key] = value?.DeepClone();
        }
        result.Parameters["duration_seconds"] = settings.DurationSeconds;

        string? pidError = null;
        var before = settings.ServerPid is { } pid ? ProcessSample.TryRead(pid, out pidError) : null;
        string loadBefore = LoadAverage.Read();
        var startedAt = DateTimeOffset.UtcNow;
        long start = Stopwatch.GetTimestamp();
        await using (var progress = new ProgressLine(budget))
        {
            var context = new ScenarioContext(client, users, progress, TimeSpan.FromSeconds(settings.DurationSeconds), runId, settings.SetupParallelism, settings.ServerPid);
            try
            {
                await scenario.RunAsync(context, result, stopRun.Token);
            }
            catch (MatrixRequestException e)
            {
                result.Status = "not_measurable";
                result.Failure = new JsonObject
                {
                    ["endpoint"] = e.Endpoint, ["status"] = e.Status, ["errcode"] = e.Errcode, ["error"] = e.Error,
                    ["phase"] = progress.Phase,
                    ["message"] = e.Status == 0
                        ? $"no answer from the server: {e.Endpoint} failed with {e.Errcode} ({e.Error}) during {progress.Phase}"
                        : $"not yet measurable: {e.Endpoint} answered HTTP {e.Status} {e.Errcode} ({e.Error}) during {progress.Phase}",
                };
            }
            catch (OperationCanceledException) when (stopRun.IsCancellationRequested)
            {
                result.Status = "stopped";
            }
            catch (InvalidOperationException e)
            {
                result.Status = "failed";
                result.Failure = new JsonObject { ["message"] = e.Message, ["phase"] = progress.Phase };
            }
            if (stopRun.IsCancellationRequested && result.Status is "ok" or "stopped" or "incorrect")
            {
                result.Status = "stopped";
                string reason = budget.Exhausted ? $"--max-requests ({settings.MaxRequests:N0}) reached"
                    : cancellationToken.IsCancellationRequested ? "interrupted"
                    : $"--time-limit ({settings.TimeLimitSeconds:F0} s) reached";
                result.Failure ??= new JsonObject { ["message"] = $"stopped: {reason} during {progress.Phase}; figures cover only what completed", ["phase"] = progress.Phase };
            }
        }
        double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var after = settings.ServerPid is { } pid2 ? ProcessSample.TryRead(pid2, out pidError) : null;
        string loadAfter = LoadAverage.Read();

        var header = new List<(string, string)>
        {
            ("target", target.BaseUrl.ToString()),
            ("label", settings.Label ?? ""),
            ("date (UTC)", startedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)),
            ("machine", LoadAverage.Machine()),
            ("load average before/after", loadBefore + " / " + loadAfter),
            ("wall time", wall.ToString("F1", CultureInfo.InvariantCulture) + " s"),
            ("requests (errors)", $"{budget.Taken:N0} ({budget.Errors:N0})"),
        };
        var server = new JsonObject { ["pid"] = settings.ServerPid };
        if (before is not null)
        {
            server["before"] = before.ToJson();
            header.Add(("server RSS before", $"{before.RssKilobytes / 1024.0:F1} MB"));
        }
        if (after is not null)
        {
            server["after"] = after.ToJson();
            header.Add(("server RSS after", $"{after.RssKilobytes / 1024.0:F1} MB"));
            if (before is not null)
            {
                server["cpu_seconds_used"] = Math.Round(after.CpuSeconds - before.CpuSeconds, 2);
                header.Add(("server CPU used", $"{after.CpuSeconds - before.CpuSeconds:F2} s ({(after.CpuSeconds - before.CpuSeconds) / wall * 100:F0} % of one core)"));
            }
        }
        if (pidError is not null)
        {
            server["error"] = pidError;
            header.Add(("server process", pidError));
        }

        await output.WriteAsync(ResultTable.Render(result, header));
        var document = new JsonObject
        {
            ["tool"] = "myelin-load",
            ["label"] = settings.Label,
            ["target"] = target.BaseUrl.ToString(),
            ["run_id"] = runId,
            ["started_at"] = startedAt.ToString("O", CultureInfo.InvariantCulture),
            ["wall_seconds"] = Math.Round(wall, 3),
            ["machine"] = LoadAverage.Machine(),
            ["load_average_before"] = loadBefore,
            ["load_average_after"] = loadAfter,
            ["requests"] = budget.Taken,
            ["request_errors"] = budget.Errors,
            ["limits"] = new JsonObject
            {
                ["duration_seconds"] = settings.DurationSeconds, ["time_limit_seconds"] = settings.TimeLimitSeconds,
                ["max_requests"] = settings.MaxRequests, ["registration"] = settings.Registration.ToString(),
            },
            ["server"] = server,
            ["result"] = result.ToJson(),
        };
        if (settings.Out is { } outPath)
        {
            try
            {
                string? directory = Path.GetDirectoryName(Path.GetFullPath(outPath));
                if (directory is not null)
                {
                    Directory.CreateDirectory(directory);
                }
                await File.WriteAllTextAsync(outPath, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n", CancellationToken.None);
                await output.WriteLineAsync($"results written to {outPath}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"error: cannot write --out {outPath}: {e.Message}");
                return ExitFailed;
            }
        }
        return result.Status switch
        {
            "ok" => ExitOk,
            "incorrect" => ExitIncorrect,
            "not_measurable" => ExitNotMeasurable,
            "stopped" => ExitStopped,
            _ => ExitFailed,
        };
    }
}
