using Myelin.Testing;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Myelin.FederationBench;

/// <summary>
/// The joining server: the built myelin binary in its own process (so its memory is its own), configured by
/// <c>myelin generate-config</c> and then edited like the federation tests' hosts: named <c>localhost:PORT</c>, HTTPS
/// with the bench CA's certificate, the CA in federation_custom_ca_list, loopback in ip_range_whitelist, no notary.
/// </summary>
internal sealed partial class Joiner : IAsyncDisposable
{
    private readonly Process _process;

    private Joiner(Process process, string serverName, HttpClient http, string directory, string sharedSecret)
    {
        _process = process;
        ServerName = serverName;
        Http = http;
        Directory = directory;
        SharedSecret = sharedSecret;
    }

    public string ServerName { get; }
    public HttpClient Http { get; }
    public string Directory { get; }
    public string SharedSecret { get; }
    public int Pid => _process.Id;

    public static async Task<Joiner> StartAsync(string[] myelin, string directory, TestCertificateAuthority certificates, string engine, string? postgres, Action<string> log)
    {
        System.IO.Directory.CreateDirectory(directory);
        int port = FreePort();
        string serverName = $"localhost:{port}";
        await RunAsync(myelin, ["generate-config", "--data-dir", directory, "--server-name", serverName, "--port", port.ToString(CultureInfo.InvariantCulture)],
            Path.Combine(directory, "generate-config.log"));
        string configPath = Path.Combine(directory, "homeserver.yaml");
        string text = await File.ReadAllTextAsync(configPath);
        text = Replace(text, "    tls: false\n", "    tls: true\n");
        text = Replace(text, "#tls_certificate_path: \"/etc/myelin/fullchain.pem\"", $"tls_certificate_path: \"{certificates.CertificatePath}\"");
        text = Replace(text, "#tls_private_key_path: \"/etc/myelin/privkey.pem\"", $"tls_private_key_path: \"{certificates.KeyPath}\"");
        text = Replace(text, "trusted_key_servers:\n  - server_name: \"matrix.org\"\n", "trusted_key_servers: []\n");
        text = Replace(text, "federation_custom_ca_list: []", $"federation_custom_ca_list: [\"{certificates.CaPath}\"]");
        text = Replace(text, "ip_range_whitelist: []", "ip_range_whitelist: ['127.0.0.0/8', '::1/128']");
        text = Replace(text, "log_level: info", "log_level: warning");
        text = Replace(text, "rate_limiting:\n  enabled: true\n", "rate_limiting:\n  enabled: false\n");
        if (engine == "postgres")
        {
            text = SqliteBlock().Replace(text, $"database:\n  name: psycopg2\n  args:\n    connection_string: \"{postgres}\"\n", 1);
        }
        await File.WriteAllTextAsync(configPath, text);
        string secret = SharedSecretLine().Match(text).Groups[1].Value;

        var start = new ProcessStartInfo(myelin[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in myelin.Skip(1).Concat(["serve", "--data-dir", directory]))
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start myelin.");
        var logFile = new StreamWriter(Path.Combine(directory, "server.log")) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (logFile) { logFile.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (logFile) { logFile.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var http = certificates.CreateHttpClient(new Uri($"https://localhost:{port}/"), TimeSpan.FromMinutes(15));
        var joiner = new Joiner(process, serverName, http, directory, secret);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"myelin exited on start (code {process.ExitCode}); see {directory}/server.log");
            }
            try
            {
                using var response = await http.GetAsync("/health");
                if (response.IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException("myelin did not answer /health within 60 s");
            }
            await Task.Delay(200);
        }
        log($"joiner: myelin pid {process.Id} as {serverName}, data {directory}");
        return joiner;
    }

    /// <summary>Registers a user with the shared secret (Synapse's admin API) and returns its access token.</summary>
    public async Task<(string UserId, string AccessToken)> RegisterAsync(string localpart)
    {
        var nonce = (await Http.GetFromJsonAsync<JsonObject>("/_synapse/admin/v1/register"))!["nonce"]!.GetValue<string>();
        string password = "bench-" + Guid.NewGuid().ToString("N");
        using var hmac = new HMACSHA1(Encoding.UTF8.GetBytes(SharedSecret));
        string mac = Convert.ToHexStringLower(hmac.ComputeHash(Encoding.UTF8.GetBytes($"{nonce}\0{localpart}\0{password}\0notadmin")));
        using var response = await Http.PostAsJsonAsync("/_synapse/admin/v1/register", new { nonce, username = localpart, password, admin = false, mac });
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"registration failed: {(int)response.StatusCode} {body}");
        }
        return (body!["user_id"]!.GetValue<string>(), body["access_token"]!.GetValue<string>());
    }

    /// <summary>A value of /proc/PID/status in kB (VmRSS, VmHWM).</summary>
    public long StatusKb(string field)
    {
        foreach (string line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        return -1;
    }

    /// <summary>User + system CPU time of the process (from /proc/PID/stat).</summary>
    public TimeSpan CpuTime()
    {
        string stat = File.ReadAllText($"/proc/{Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    private static string Replace(string text, string from, string to) =>
        text.Contains(from, StringComparison.Ordinal) ? text.Replace(from, to, StringComparison.Ordinal)
            : throw new InvalidOperationException($"generate-config output no longer contains '{from.Trim()}'");

    private static async Task RunAsync(string[] command, string[] args, string logPath)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in command.Skip(1).Concat(args))
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {command[0]}.");
        string output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await File.WriteAllTextAsync(logPath, output);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', args)} failed ({process.ExitCode}): {output}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^database:\n  name: sqlite3\n  args:\n    database: .*\n", RegexOptions.Multiline)]
    private static partial Regex SqliteBlock();

    [GeneratedRegex("^registration_shared_secret: \"(.*)\"$", RegexOptions.Multiline)]
    private static partial Regex SharedSecretLine();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            // SIGTERM for a graceful stop; killed if it takes longer than 20 s.
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
        }
        _process.Dispose();
    }
}
