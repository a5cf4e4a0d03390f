using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Myelin.Tests;

/// <summary>Runs the built <c>myelin</c> executable as a child process, as an admin would.</summary>
public sealed class ServeProcessTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("myelin-serve-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "myelin.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("MYELIN_DATA_DIR");
        return Process.Start(start)!;
    }

    private static void SendSigterm(Process process)
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    [Fact]
    public async Task Serve_answers_versions_then_stops_cleanly_on_SIGTERM()
    {
        int port = FreePort();
        using (var generate = Start("generate-config", "--data-dir", _data, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            await generate.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, generate.ExitCode);
        }

        using var serve = Start("serve", "--data-dir", _data);
        var output = new StringBuilder();
        serve.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        serve.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        serve.BeginOutputReadLine();
        serve.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            string? versions = null;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (versions is null && DateTime.UtcNow < deadline && !serve.HasExited)
            {
                try
                {
                    versions = await client.GetStringAsync("/_matrix/client/versions?access_token=syt_never_logged");
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(200);
                }
            }
            Assert.True(versions is not null, "server did not answer: " + output);
            using var body = JsonDocument.Parse(versions);
            Assert.Contains(body.RootElement.GetProperty("versions").EnumerateArray(), v => v.GetString() == "v1.19");

            SendSigterm(serve);
            await serve.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(0, serve.ExitCode);
            serve.WaitForExit(); // flush the async output readers
            string log = output.ToString();
            Assert.Contains("Stopped.", log, StringComparison.Ordinal);
            Assert.Contains("/_matrix/client/versions", log, StringComparison.Ordinal);
            Assert.DoesNotContain("syt_never_logged", log, StringComparison.Ordinal);
        }
        finally
        {
            if (!serve.HasExited)
            {
                serve.Kill();
            }
        }
    }

    [Fact]
    public async Task Register_user_reads_the_password_from_stdin()
    {
        using (var generate = Start("generate-config", "--data-dir", _data, "--server-name", "example.org"))
        {
            await generate.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, generate.ExitCode);
        }

        using var register = Start("register-user", "--data-dir", _data, "--user", "erin");
        await register.StandardInput.WriteLineAsync("from stdin");
        register.StandardInput.Close();
        string stdout = await register.StandardOutput.ReadToEndAsync();
        string stderr = await register.StandardError.ReadToEndAsync();
        await register.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(register.ExitCode == 0, stderr);
        Assert.Contains("@erin:example.org", stdout, StringComparison.Ordinal);
        var config = Server.Configuration.ConfigLoader.Load(Path.Combine(_data, "homeserver.yaml")).Config;
        await using var database = await config.Database.OpenAsync();
        var account = await database.Users.GetAsync(Protocol.Identifiers.UserId.Parse("@erin:example.org"));
        Assert.True(new Server.Accounts.PasswordHasher().Verify("from stdin", account?.PasswordHash));
    }
}
