using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Hosting;

namespace Myelin.Server.Tests.Hosting;

/// <summary>
/// issue 5: "Myelin serves federation over TLS itself (certificate and key from the config, picked up again when the
/// files change)". Real Kestrel on loopback, real TLS handshakes; the certificate files are replaced on disk.
/// </summary>
public sealed class TlsCertificateReloadTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "myelin-tls-" + Guid.NewGuid().ToString("N")[..8]);

    public TlsCertificateReloadTests() => Directory.CreateDirectory(_directory);

    [Fact]
    public async Task A_renewed_certificate_is_served_without_a_restart_and_a_broken_one_is_not()
    {
        string certificatePath = Path.Combine(_directory, "tls.crt");
        string keyPath = Path.Combine(_directory, "tls.key");
        WriteSelfSigned("CN=first", certificatePath, keyPath);
        var config = MyelinConfig.CreateDefault(ServerName.Parse("localhost"), _directory) with
        {
            Database = DatabaseConfig.Sqlite(Path.Combine(_directory, "homeserver.db")),
            Listeners = [new ListenerConfig { Port = 0, BindAddresses = [IPAddress.Loopback], Tls = true }],
            TlsCertificatePath = certificatePath,
            TlsPrivateKeyPath = keyPath,
        };
        await using var host = await MyelinHost.StartAsync(config, new MyelinHostOptions
        {
            ConsoleLogging = false,
            TlsReloadInterval = TimeSpan.FromMilliseconds(200),
        });
        int port = host.BaseAddress.Port;
        Assert.Equal("CN=first", await PresentedSubjectAsync(port));

        WriteSelfSigned("CN=renewed", certificatePath, keyPath);
        await EventuallyAsync(async () => await PresentedSubjectAsync(port) == "CN=renewed");

        // A half-written renewal (certificate replaced, key garbage) keeps the working certificate.
        WriteSelfSigned("CN=broken", certificatePath, Path.Combine(_directory, "unused.key"));
        await File.WriteAllTextAsync(keyPath, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
        await Task.Delay(500);
        Assert.Equal("CN=renewed", await PresentedSubjectAsync(port));
        Assert.Equal("CN=renewed", await PresentedSubjectAsync(port));
    }

    [Fact]
    public async Task A_certificate_that_does_not_load_at_start_stops_the_server()
    {
        string certificatePath = Path.Combine(_directory, "missing.crt");
        var config = MyelinConfig.CreateDefault(ServerName.Parse("localhost"), _directory) with
        {
            Database = DatabaseConfig.Sqlite(Path.Combine(_directory, "homeserver.db")),
            Listeners = [new ListenerConfig { Port = 0, BindAddresses = [IPAddress.Loopback], Tls = true }],
            TlsCertificatePath = certificatePath,
            TlsPrivateKeyPath = Path.Combine(_directory, "missing.key"),
        };
        var error = await Assert.ThrowsAsync<ConfigException>(async () => await MyelinHost.StartAsync(config, new MyelinHostOptions { ConsoleLogging = false }));
        Assert.Contains("missing.crt", error.Message, StringComparison.Ordinal);
    }

    private static void WriteSelfSigned(string subject, string certificatePath, string keyPath)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        // Timestamps of two writes within one tick of the file system clock must still differ from the last ones.
        File.SetLastWriteTimeUtc(certificatePath, DateTime.UtcNow.AddSeconds(Random.Shared.Next(1, 1000)));
    }

    /// <summary>The subject of the certificate the server presents in a fresh TLS handshake.</summary>
    private static async Task<string> PresentedSubjectAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        string? subject = null;
        await using var tls = new SslStream(client.GetStream(), false, (_, certificate, _, _) =>
        {
            subject = certificate?.Subject;
            return true;
        });
        await tls.AuthenticateAsClientAsync("localhost");
        return subject!;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < until)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(100);
        }
        Assert.Fail("The renewed certificate was not served within 10 s.");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
