using System.CommandLine;
using Myelin.Load.Cli;

namespace Myelin.Load.Tests;

public class CommandLineTests
{
    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var parse = LoadCli.Create().Parse(args);
        int exit = await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task A_remote_url_is_refused_before_any_request()
    {
        var (exit, _, error) = await RunAsync("send", "--url", "http://192.0.2.1:8008", "--duration", "1");
        Assert.Equal(ScenarioRunner.ExitInvalidArguments, exit);
        Assert.Contains("not a loopback address", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Out_of_range_scenario_options_are_refused()
    {
        var (exit, _, error) = await RunAsync("fanout", "--syncers", "0", "--rate", "-1");
        Assert.Equal(ScenarioRunner.ExitInvalidArguments, exit);
        Assert.Contains("--syncers must be from 1", error, StringComparison.Ordinal);
        Assert.Contains("--rate must be from 0.1", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duration_over_the_hard_cap_is_refused()
    {
        var (exit, _, error) = await RunAsync("send", "--duration", "3600");
        Assert.Equal(ScenarioRunner.ExitInvalidArguments, exit);
        Assert.Contains("--duration must be more than 0 and at most 600", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_is_reported_with_the_endpoint_and_written_as_json()
    {
        string outPath = Path.Combine(Path.GetTempPath(), $"myelin-load-{Guid.NewGuid():N}", "r.json");
        // Port 1 on loopback: nothing listens there, so the first registration fails with a network error.
        var (exit, output, _) = await RunAsync("join-storm", "--url", "http://127.0.0.1:1", "--joiners", "2", "--out", outPath);
        Assert.Equal(ScenarioRunner.ExitNotMeasurable, exit);
        Assert.Contains("POST /_matrix/client/v3/register", output, StringComparison.Ordinal);
        string json = await File.ReadAllTextAsync(outPath);
        Assert.Contains("\"status\": \"not_measurable\"", json, StringComparison.Ordinal);
        Assert.Contains("\"errcode\": \"NETWORK\"", json, StringComparison.Ordinal);
        Directory.Delete(Path.GetDirectoryName(outPath)!, recursive: true);
    }

    [Theory]
    [InlineData("shared-secret")]
    [InlineData("SharedSecret")]
    [InlineData("SHARED-SECRET")]
    public async Task Registration_mode_accepts_its_spellings_and_needs_the_secret(string spelling)
    {
        var (exit, _, error) = await RunAsync("send", "--registration", spelling);
        Assert.Equal(ScenarioRunner.ExitInvalidArguments, exit);
        Assert.Contains("--registration shared-secret needs --shared-secret", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_registration_mode_is_refused()
    {
        var (exit, _, error) = await RunAsync("send", "--registration", "guest");
        Assert.NotEqual(0, exit);
        Assert.Contains("--registration must be open, shared-secret or file, got 'guest'", error, StringComparison.Ordinal);
    }
}
