using System.Net;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Hosting;

namespace Myelin.EndToEnd.Tests.Support;

/// <summary>
/// A real Myelin for a client library to drive: SQLite in a temp directory, open registration, no rate limits,
/// plain HTTP on a free loopback port. Dispose stops it and deletes the directory.
/// </summary>
public sealed class SingleHomeserver : IAsyncDisposable
{
    private readonly string _dataDirectory;
    private readonly MyelinHost _host;

    private SingleHomeserver(string dataDirectory, MyelinHost host)
    {
        _dataDirectory = dataDirectory;
        _host = host;
    }

    /// <summary>The client-server base URL without a trailing slash, as matrix-js-sdk takes it.</summary>
    public string BaseUrl => _host.BaseAddress.ToString().TrimEnd('/');

    public static async Task<SingleHomeserver> StartAsync()
    {
        string dataDirectory = Path.Combine(Path.GetTempPath(), "myelin-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dataDirectory);
        var config = MyelinConfig.CreateDefault(ServerName.Parse("localhost"), dataDirectory) with
        {
            Database = DatabaseConfig.Sqlite(Path.Combine(dataDirectory, "homeserver.db")),
            Listeners = [ListenerConfig.Http(IPAddress.Loopback, 0)],
            EnableRegistration = true,
            RateLimiting = new RateLimitingConfig { Enabled = false },
        };
        try
        {
            return new SingleHomeserver(dataDirectory, await MyelinHost.StartAsync(config, new MyelinHostOptions { ConsoleLogging = false }));
        }
        catch
        {
            DeleteDirectory(dataDirectory);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        DeleteDirectory(_dataDirectory);
    }

    private static void DeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind is harmless.
        }
    }
}
