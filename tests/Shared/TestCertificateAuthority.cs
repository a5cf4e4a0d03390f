using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Myelin.Testing;

/// <summary>
/// A throwaway certificate authority and a server certificate it issued for <c>localhost</c> / 127.0.0.1 / ::1 (and
/// <see cref="TestHostNames"/>), as PEM files: federating test servers serve TLS with the leaf and trust the CA through
/// <c>federation_custom_ca_list</c>. One source file linked into the test and bench projects that federate servers.
/// </summary>
internal sealed class TestCertificateAuthority
{
    private static readonly Lazy<TestCertificateAuthority> SharedInstance =
        new(() => Create(Path.Combine(Path.GetTempPath(), "myelin-test-certs-" + Guid.NewGuid().ToString("N")[..8])));

    private TestCertificateAuthority(string directory) => Directory = directory;

    /// <summary>One authority per process, in a temporary directory.</summary>
    public static TestCertificateAuthority Shared => SharedInstance.Value;

    /// <summary>Extra names the server certificate is valid for; discovery tests map them to loopback.</summary>
    public static readonly IReadOnlyList<string> TestHostNames = ["wellknown.myelin.test", "delegated.myelin.test", "srv.myelin.test"];

    public string Directory { get; }
    public string CaPath => Path.Combine(Directory, "ca.pem");
    public string CertificatePath => Path.Combine(Directory, "server.pem");
    public string KeyPath => Path.Combine(Directory, "server.key");

    /// <summary>The CA as a certificate, for HTTP clients that talk to the servers directly.</summary>
    public X509Certificate2 LoadCa() => X509CertificateLoader.LoadCertificateFromFile(CaPath);

    /// <summary>An HTTPS client for <paramref name="baseAddress"/> that trusts only this CA.</summary>
    public HttpClient CreateHttpClient(Uri baseAddress, TimeSpan timeout)
    {
        var ca = LoadCa();
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (certificate is null)
            {
                return false;
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build((X509Certificate2)certificate);
        };
        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = timeout };
    }

    /// <summary>Creates the authority and its server certificate in <paramref name="directory"/>.</summary>
    public static TestCertificateAuthority Create(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var result = new TestCertificateAuthority(directory);
        var now = DateTimeOffset.UtcNow;

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Myelin Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=localhost", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        foreach (string name in TestHostNames)
        {
            names.AddDnsName(name);
        }
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        leafRequest.CertificateExtensions.Add(names.Build());
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        leafRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var leaf = leafRequest.Create(ca, now.AddDays(-1), now.AddDays(29), RandomNumberGenerator.GetBytes(8));

        File.WriteAllText(result.CaPath, ca.ExportCertificatePem());
        File.WriteAllText(result.CertificatePath, leaf.ExportCertificatePem());
        File.WriteAllText(result.KeyPath, leafKey.ExportPkcs8PrivateKeyPem());
        return result;
    }
}
