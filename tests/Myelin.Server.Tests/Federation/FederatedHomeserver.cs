using Myelin.Testing;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation;
using Myelin.Server.Federation.Authentication;
using Myelin.Server.Federation.Client;
using Myelin.Server.Federation.Keys;
using Myelin.Server.Hosting;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation;

/// <summary>
/// A real homeserver named <c>localhost:PORT</c> serving HTTPS on 127.0.0.1:PORT, so other test servers reach it
/// through the real server-name resolution (explicit port → DNS → connect) and TLS checks (test CA in
/// federation_custom_ca_list; loopback allowed by ip_range_whitelist). The port is chosen before start (the server
/// name must contain it); a lost race for the port is retried.
/// </summary>
public sealed class FederatedHomeserver : IAsyncDisposable
{
    private FederatedHomeserver(TestHomeserver server) => Server = server;

    /// <summary>The test host; its <c>Http</c> (and so its users' clients) speaks HTTPS trusting the test CA.</summary>
    public TestHomeserver Server { get; }

    /// <summary>A plain HTTPS client for this server (trusting the test CA), for hand-made requests.</summary>
    public HttpClient Http => Server.Http;

    public ServerName ServerName => Server.ServerName;
    public MyelinHost Host => Server.Host;
    public SigningKey SigningKey => Host.SigningKey;
    public FederationClient Client => Server.Services.GetRequiredService<FederationClient>();
    public RemoteServerKeys RemoteKeys => Server.Services.GetRequiredService<RemoteServerKeys>();

    public static async Task<FederatedHomeserver> StartAsync(TestEngine engine = TestEngine.Sqlite,
        Func<MyelinConfig, MyelinConfig>? configure = null, Action<IServiceCollection>? services = null,
        Action<Microsoft.AspNetCore.Routing.IEndpointRouteBuilder>? endpoints = null, string host = "localhost")
    {
        var certificates = TestCertificateAuthority.Shared;
        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort();
            try
            {
                var server = await TestHomeserver.StartAsync(engine, config =>
                {
                    config = config with
                    {
                        Listeners = [new ListenerConfig { Port = port, BindAddresses = [IPAddress.Loopback], Tls = true }],
                        TlsCertificatePath = certificates.CertificatePath,
                        TlsPrivateKeyPath = certificates.KeyPath,
                        FederationCustomCaList = [certificates.CaPath],
                        IpRangeWhitelist = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")],
                        // No notary unless a test asks: matrix.org is not reachable from tests.
                        TrustedKeyServers = [],
                    };
                    return configure?.Invoke(config) ?? config;
                }, serverName: $"{host}:{port}", options: new MyelinHostOptions
                {
                    ConsoleLogging = false,
                    ConfigureServices = s =>
                    {
                        s.AddSingleton(new FederationOptions { RequestTimeout = TimeSpan.FromSeconds(15), KeyFetchFailureBackoff = TimeSpan.Zero });
                        services?.Invoke(s);
                    },
                    ConfigureEndpoints = endpoints,
                }, httpFactory: CreateHttpClient);
                return new FederatedHomeserver(server);
            }
            catch (IOException) when (attempt < 3)
            {
                // Another process took the port between FreePort and the bind.
            }
        }
    }

    /// <summary>An HTTPS client for <paramref name="baseAddress"/> that trusts the test CA.</summary>
    public static HttpClient CreateHttpClient(Uri baseAddress) => TestCertificateAuthority.Shared.CreateHttpClient(baseAddress, TimeSpan.FromSeconds(60));

    /// <summary>
    /// Sends a request to this server signed as <paramref name="origin"/> with <paramref name="key"/>; the parts that
    /// are signed can differ from what is sent, to forge requests.
    /// </summary>
    public Task<HttpResponseMessage> SendSignedAsync(HttpMethod method, string pathAndQuery, ServerName origin, SigningKey key,
        string? body = null, string? signedDestination = null, string? signedPathAndQuery = null, string? signedBody = null,
        Func<XMatrixAuthorization, string>? formatHeader = null)
    {
        string? contentToSign = signedBody ?? body;
        JsonElement? content = contentToSign is null ? null : JsonDocument.Parse(contentToSign, new JsonDocumentOptions { MaxDepth = 256 }).RootElement.Clone();
        var authorization = FederationRequestSigning.Sign(method.Method, signedPathAndQuery ?? pathAndQuery, origin,
            ServerName.Parse(signedDestination ?? ServerName.Value), content, key);
        var request = new HttpRequestMessage(method, pathAndQuery);
        request.Headers.TryAddWithoutValidation("Authorization", formatHeader?.Invoke(authorization) ?? authorization.Format());
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        return Http.SendAsync(request);
    }

    /// <summary>A loopback port that was free a moment ago.</summary>
    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops and starts the server again on the same port over the same database (restart and outage tests).</summary>
    public Task RestartAsync() => Server.RestartAsync();

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
