using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Hosting;

namespace Myelin.Server.Tests.Hosting;

/// <summary>A real <see cref="MyelinHost"/> on 127.0.0.1 port 0 with a temp data directory and captured logs.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private TestServer(MyelinHost host, string dataDirectory, CapturedLogs logs)
    {
        Host = host;
        DataDirectory = dataDirectory;
        Logs = logs;
        Client = new HttpClient { BaseAddress = host.BaseAddress };
    }

    public MyelinHost Host { get; }
    public string DataDirectory { get; }
    public CapturedLogs Logs { get; }
    public HttpClient Client { get; }

    public static MyelinConfig DefaultConfig(string dataDirectory) =>
        MyelinConfig.CreateDefault(ServerName.Parse("test.example"), dataDirectory) with
        {
            Listeners = [ListenerConfig.Http(IPAddress.Loopback, 0)],
            PublicBaseUrl = new Uri("https://matrix.test.example/"),
        };

    public static async Task<TestServer> StartAsync(
        Func<MyelinConfig, MyelinConfig>? configure = null,
        Action<IEndpointRouteBuilder>? endpoints = null,
        Action<IServiceCollection>? services = null)
    {
        string data = Directory.CreateTempSubdirectory("myelin-test-").FullName;
        var config = DefaultConfig(data);
        config = configure?.Invoke(config) ?? config;
        var logs = new CapturedLogs();
        var host = await MyelinHost.StartAsync(config, new MyelinHostOptions
        {
            ConsoleLogging = false,
            ConfigureLogging = l => l.AddProvider(logs),
            ConfigureEndpoints = endpoints,
            ConfigureServices = services,
        });
        return new TestServer(host, data, logs);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }
}

/// <summary>Collects every log line (message, exception and structured values) the server writes.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public string All => string.Join('\n', _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}"))
                : "";
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{values}] {exception}");
        }
    }
}
