using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Discovery;

namespace Myelin.Server.Federation.Client;

/// <summary>
/// The HTTP handler of all outbound federation traffic: connects only to addresses <see cref="OutboundIpFilter"/>
/// allows (checked after DNS, so a name cannot smuggle a private address), and accepts a server certificate
/// that chains to the system's CAs or to one in <c>federation_custom_ca_list</c>. spec: server-server "TLS".
/// </summary>
public static class FederationHttpHandler
{
    public static SocketsHttpHandler Create(MyelinConfig config, IFederationDns dns, OutboundIpFilter filter, bool followRedirects)
    {
        var customRoots = LoadCustomRoots(config.FederationCustomCaList);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = followRedirects,
            // Redirect loops end here. spec: "30x redirects should be followed, however redirection loops should be avoided".
            MaxAutomaticRedirections = 5,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            AutomaticDecompression = DecompressionMethods.None,
            ConnectCallback = (context, cancellationToken) => filter.ConnectAsync(context.DnsEndPoint, dns, cancellationToken),
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            ValidateCertificate(certificate, chain, errors, customRoots);
        return handler;
    }

    private static bool ValidateCertificate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, X509Certificate2Collection customRoots)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }
        // A name mismatch or a missing certificate is never rescued by a custom CA.
        if (certificate is null || customRoots.Count == 0 || errors != SslPolicyErrors.RemoteCertificateChainErrors)
        {
            return false;
        }
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(customRoots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        if (certificate is X509Certificate2 leaf)
        {
            return custom.Build(leaf);
        }
        using var copy = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(copy);
    }

    private static X509Certificate2Collection LoadCustomRoots(IReadOnlyList<string> paths)
    {
        var roots = new X509Certificate2Collection();
        foreach (string path in paths)
        {
            try
            {
                roots.ImportFromPemFile(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new ConfigException($"Cannot read federation_custom_ca_list entry {path}: {e.Message}", e);
            }
        }
        return roots;
    }
}
