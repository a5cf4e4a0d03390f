using Myelin.Testing;
using System.Net;
using System.Net.Sockets;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Hosting;

namespace Myelin.EndToEnd.Tests.Support;

/// <summary>
/// A real Myelin named <c>localhost:PORT</c> that federates with other test servers on this machine: the federation
/// API over HTTPS on 127.0.0.1:PORT (test CA, loopback allowed by ip_range_whitelist), reached through the real
/// server-name resolution; the client API on a separate plain-HTTP loopback listener for the client library.
/// </summary>
public sealed class FederatingHomeserver : IAsyncDisposable
{
    private readonly string _dataDirectory;
    private readonly MyelinHost _host;

    private FederatingHomeserver(string dataDirectory, MyelinHost host, int clientPort)
    {
        _dataDirectory = dataDirectory;
        _host = host;
        ClientBaseUrl = $"http://127.0.0.1:{clientPort}";
    }

    public ServerName ServerName => _host.Config.ServerName;

    /// <summary>The client-server base URL (plain HTTP), as matrix-js-sdk takes it.</summary>
    public string ClientBaseUrl { get; }

    public static async Task<FederatingHomeserver> StartAsync()
    {
        var certificates = TestCertificateAuthority.Shared;
        for (int attempt = 1; ; attempt++)
        {
            int federationPort = FreePort();
            int clientPort = FreePort();
            string dataDirectory = Path.Combine(Path.GetTempPath(), "myelin-e2e-fed-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(dataDirectory);
            var config = MyelinConfig.CreateDefault(ServerName.Parse($"localhost:{federationPort}"), dataDirectory) with
            {
                Database = DatabaseConfig.Sqlite(Path.Combine(dataDirectory, "homeserver.db")),
                Listeners =
                [
                    new ListenerConfig
                    {
                        Port = federationPort, BindAddresses = [IPAddress.Loopback], Tls = true,
                        Resources = new HashSet<string>(StringComparer.Ordinal) { ListenerResources.Federation },
                    },
                    new ListenerConfig
                    {
                        Port = clientPort, BindAddresses = [IPAddress.Loopback],
                        Resources = new HashSet<string>(StringComparer.Ordinal) { ListenerResources.Client },
                    },
                ],
                TlsCertificatePath = certificates.CertificatePath,
                TlsPrivateKeyPath = certificates.KeyPath,
                FederationCustomCaList = [certificates.CaPath],
                IpRangeWhitelist = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")],
                // No notary: the servers fetch each other's keys directly (matrix.org is not reachable from tests).
                TrustedKeyServers = [],
                EnableRegistration = true,
                RateLimiting = new RateLimitingConfig { Enabled = false },
            };
            try
            {
                var host = await MyelinHost.StartAsync(config, new MyelinHostOptions { ConsoleLogging = false });
                return new FederatingHomeserver(dataDirectory, host, clientPort);
            }
            catch (IOException) when (attempt < 3)
            {
                // Another process took a port between FreePort and the bind.
                DeleteDirectory(dataDirectory);
            }
            catch
            {
                DeleteDirectory(dataDirectory);
                throw;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        DeleteDirectory(_dataDirectory);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
