using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Myelin.Server.Tests.Federation;

/// <summary>
/// A throwaway certificate authority and a server certificate it issued for <c>localhost</c> / 127.0.0.1 / ::1
/// (and <see cref="TestHostNames"/>),
/// written as PEM files: test homeservers serve TLS with the leaf and trust the CA via federation_custom_ca_list.
/// </summary>
public sealed class FederationTestCertificates
{
    private static readonly Lazy<FederationTestCertificates> SharedInstance = new(Create);

    private FederationTestCertificates(string directory)
    {
        Directory = directory;
    }

    public static FederationTestCertificates Shared => SharedInstance.Value;

    /// <summary>Extra names the server certificate is valid for; discovery tests map them to loopback.</summary>
    public static readonly IReadOnlyList<string> TestHostNames = ["wellknown.myelin.test", "delegated.myelin.test", "srv.myelin.test"];

    public string Directory { get; }
    public string CaPath => Path.Combine(Directory, "ca.pem");
    public string CertificatePath => Path.Combine(Directory, "server.pem");
    public string KeyPath => Path.Combine(Directory, "server.key");

    /// <summary>The CA as a certificate, for test HTTP clients that talk to the servers directly.</summary>
    public X509Certificate2 LoadCa() => X509CertificateLoader.LoadCertificateFromFile(CaPath);

    private static FederationTestCertificates Create()
    {
        string directory = Path.Combine(Path.GetTempPath(), "myelin-federation-certs-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        var result = new FederationTestCertificates(directory);
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
        byte[] serial = RandomNumberGenerator.GetBytes(8);
        using var leaf = leafRequest.Create(ca, now.AddDays(-1), now.AddDays(29), serial);

        File.WriteAllText(result.CaPath, ca.ExportCertificatePem());
        File.WriteAllText(result.CertificatePath, leaf.ExportCertificatePem());
        File.WriteAllText(result.KeyPath, leafKey.ExportPkcs8PrivateKeyPem());
        return result;
    }
}
