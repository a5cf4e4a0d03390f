using Myelin.Testing;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation;
using Myelin.Server.Federation.Client;
using Myelin.Server.Federation.Discovery;
using Myelin.Server.Hosting;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation;

/// <summary>
/// Server name resolution, with a mapped DNS and a real HTTPS server answering /.well-known/matrix/server.
/// spec: server-server "Resolving server names".
/// </summary>
public sealed class ServerDiscoveryTests : IAsyncLifetime
{
    private readonly MappedFederationDns _dns = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestHomeserver _wellKnownHost = null!;
    private MatrixServerResolver _resolver = null!;
    private int _hits;

    /// <summary>What the well-known endpoint answers next: status, body, extra headers.</summary>
    private Func<HttpContext, IResult> _wellKnown = _ => Results.NotFound();

    public async Task InitializeAsync()
    {
        // The well-known server is a real Myelin host on TLS whose /.well-known/matrix/server the test controls.
        int port = FederatedHomeserver.FreePort();
        _wellKnownHost = await TestHomeserver.StartAsync(TestEngine.Sqlite, c => c with
        {
            Listeners = [new Server.Configuration.ListenerConfig { Port = port, BindAddresses = [IPAddress.Loopback], Tls = true }],
            TlsCertificatePath = TestCertificateAuthority.Shared.CertificatePath,
            TlsPrivateKeyPath = TestCertificateAuthority.Shared.KeyPath,
            FederationCustomCaList = [TestCertificateAuthority.Shared.CaPath],
            IpRangeWhitelist = [IPNetwork.Parse("127.0.0.0/8")],
            ServeServerWellKnown = false,
        }, options: new MyelinHostOptions
        {
            ConsoleLogging = false,
            ConfigureEndpoints = app =>
            {
                app.MapGet("/.well-known/matrix/server", (HttpContext context) =>
                {
                    Interlocked.Increment(ref _hits);
                    return _wellKnown(context);
                });
                app.MapGet("/moved", () => Results.Text("{\"m.server\": \"delegated.myelin.test:3\"}", "application/json"));
            },
        });
        foreach (string name in TestCertificateAuthority.TestHostNames)
        {
            _dns.Addresses[name] = [IPAddress.Loopback];
        }
        var config = _wellKnownHost.Host.Config;
        var http = new HttpClient(FederationHttpHandler.Create(config, _dns, new OutboundIpFilter(config), followRedirects: true));
        _resolver = new MatrixServerResolver(_dns, http, _clock, new FederationOptions { WellKnownPort = port }, NullLogger<MatrixServerResolver>.Instance);
    }

    public async Task DisposeAsync() => await _wellKnownHost.DisposeAsync();

    private ValueTask<ResolvedServer> Resolve(string name) => _resolver.ResolveAsync(ServerName.Parse(name));

    [Fact]
    public async Task Ip_literals_and_explicit_ports_need_no_lookups()
    {
        Assert.Equal(new ResolvedServer("1.2.3.4", 8448, "1.2.3.4"), await Resolve("1.2.3.4"));
        Assert.Equal(new ResolvedServer("1.2.3.4", 99, "1.2.3.4:99"), await Resolve("1.2.3.4:99"));
        var ipv6 = await Resolve("[2001:db8::1]:443");
        Assert.Equal((443, "[2001:db8::1]:443"), (ipv6.Port, ipv6.HostHeader));
        Assert.Equal(new ResolvedServer("wellknown.myelin.test", 1234, "wellknown.myelin.test:1234"), await Resolve("wellknown.myelin.test:1234"));
        Assert.Empty(_dns.Queries);
        Assert.Equal(0, _hits);
    }

    [Fact]
    public async Task Without_well_known_the_srv_records_are_used_then_port_8448()
    {
        _dns.Srv["_matrix-fed._tcp.wellknown.myelin.test"] = ("srv.myelin.test", 7000);
        _dns.Srv["_matrix._tcp.wellknown.myelin.test"] = ("legacy.example", 7001);
        Assert.Equal(new ResolvedServer("srv.myelin.test", 7000, "wellknown.myelin.test"), await Resolve("wellknown.myelin.test"));
        Assert.Equal(1, _hits);

        _dns.Srv.Remove("_matrix-fed._tcp.wellknown.myelin.test");
        Assert.Equal(new ResolvedServer("legacy.example", 7001, "wellknown.myelin.test"), await Resolve("wellknown.myelin.test"));

        _dns.Srv.Clear();
        Assert.Equal(new ResolvedServer("wellknown.myelin.test", 8448, "wellknown.myelin.test"), await Resolve("wellknown.myelin.test"));
        // The failed well-known lookup was cached: still one request.
        Assert.Equal(1, _hits);
    }

    [Fact]
    public async Task Well_known_delegation_with_port_srv_ip_literal_and_default_port()
    {
        _wellKnown = _ => Results.Text("{\"m.server\": \"delegated.myelin.test:4321\"}", "application/json");
        Assert.Equal(new ResolvedServer("delegated.myelin.test", 4321, "delegated.myelin.test:4321"), await Resolve("wellknown.myelin.test"));
        Assert.DoesNotContain(_dns.Queries, q => q.StartsWith("SRV", StringComparison.Ordinal));

        _clock.Advance(TimeSpan.FromHours(49));
        _wellKnown = _ => Results.Text("{\"m.server\": \"delegated.myelin.test\"}", "application/json");
        _dns.Srv["_matrix-fed._tcp.delegated.myelin.test"] = ("srv.myelin.test", 7000);
        // The SRV record of the delegated name; the Host header stays the delegated name.
        Assert.Equal(new ResolvedServer("srv.myelin.test", 7000, "delegated.myelin.test"), await Resolve("wellknown.myelin.test"));

        _clock.Advance(TimeSpan.FromHours(49));
        _dns.Srv.Clear();
        Assert.Equal(new ResolvedServer("delegated.myelin.test", 8448, "delegated.myelin.test"), await Resolve("wellknown.myelin.test"));

        _clock.Advance(TimeSpan.FromHours(49));
        _wellKnown = _ => Results.Text("{\"m.server\": \"10.0.0.1\"}", "application/json");
        Assert.Equal(new ResolvedServer("10.0.0.1", 8448, "10.0.0.1"), await Resolve("wellknown.myelin.test"));
    }

    [Fact]
    public async Task Well_known_answers_are_cached_by_cache_control_up_to_48_hours_and_redirects_are_followed()
    {
        _wellKnown = context =>
        {
            context.Response.Headers.CacheControl = "max-age=60";
            return Results.Text("{\"m.server\": \"delegated.myelin.test:1\"}", "application/json");
        };
        await Resolve("wellknown.myelin.test");
        await Resolve("wellknown.myelin.test");
        Assert.Equal(1, _hits);
        _clock.Advance(TimeSpan.FromSeconds(61));
        await Resolve("wellknown.myelin.test");
        Assert.Equal(2, _hits);

        // Without Cache-Control: 24 hours.
        _wellKnown = _ => Results.Text("{\"m.server\": \"delegated.myelin.test:2\"}", "application/json");
        _clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(2, (await Resolve("wellknown.myelin.test")).Port);
        _clock.Advance(TimeSpan.FromHours(23));
        await Resolve("wellknown.myelin.test");
        Assert.Equal(3, _hits);
        _clock.Advance(TimeSpan.FromHours(2));
        await Resolve("wellknown.myelin.test");
        Assert.Equal(4, _hits);

        // A redirect is followed.
        _wellKnown = _ => Results.Redirect("/moved");
        _clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(3, (await Resolve("wellknown.myelin.test")).Port);

        // A redirect loop ends as a failed lookup.
        _wellKnown = _ => Results.Redirect("/.well-known/matrix/server");
        _clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(8448, (await Resolve("wellknown.myelin.test")).Port);
    }

    [Theory]
    [InlineData(200, "not json")]
    [InlineData(200, "[]")]
    [InlineData(200, "{}")]
    [InlineData(200, "{\"m.server\": 5}")]
    [InlineData(200, "{\"m.server\": \"bad name!\"}")]
    [InlineData(500, "{\"m.server\": \"delegated.myelin.test:1\"}")]
    public async Task Invalid_well_known_answers_fall_through_and_failures_back_off(int status, string body)
    {
        _wellKnown = _ => Results.Text(body, "application/json", statusCode: status);
        Assert.Equal(new ResolvedServer("wellknown.myelin.test", 8448, "wellknown.myelin.test"), await Resolve("wellknown.myelin.test"));
        Assert.Equal(1, _hits);
        // First failure: cached for two minutes; the next failure for four.
        _clock.Advance(TimeSpan.FromMinutes(1));
        await Resolve("wellknown.myelin.test");
        Assert.Equal(1, _hits);
        _clock.Advance(TimeSpan.FromMinutes(1.5));
        await Resolve("wellknown.myelin.test");
        Assert.Equal(2, _hits);
        _clock.Advance(TimeSpan.FromMinutes(3));
        await Resolve("wellknown.myelin.test");
        Assert.Equal(2, _hits);
        _clock.Advance(TimeSpan.FromMinutes(1.5));
        await Resolve("wellknown.myelin.test");
        Assert.Equal(3, _hits);
    }

    [Fact]
    public async Task Oversized_well_known_answers_are_rejected()
    {
        string padding = new(' ', MatrixServerResolver.MaxWellKnownSize);
        _wellKnown = _ => Results.Text("{\"m.server\": \"delegated.myelin.test:1\"}" + padding, "application/json");
        Assert.Equal(8448, (await Resolve("wellknown.myelin.test")).Port);
    }
}
