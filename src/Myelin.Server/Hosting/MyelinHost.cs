using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Myelin.Server.ClientApi;
using Myelin.Server.Federation;
using Myelin.Server.FederationApi;
using Myelin.Protocol.Crypto;
using Myelin.Server.Configuration;
using Myelin.Storage;
using Myelin.Server.Endpoints;
using Myelin.Server.Http;
using Myelin.Server.Metrics;
using Prometheus;

namespace Myelin.Server.Hosting;

/// <summary>
/// The embeddable homeserver: ASP.NET Core minimal APIs on Kestrel, configured from a <see cref="MyelinConfig"/>.
/// The executable and the tests both start it with <see cref="StartAsync"/> and talk to it over real HTTP.
/// </summary>
public sealed partial class MyelinHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly MyelinDatabase _database;
    private int _stopped;

    private MyelinHost(WebApplication app, MyelinDatabase database, MyelinConfig config, SigningKey signingKey, IReadOnlyList<Uri> urls)
    {
        _app = app;
        _database = database;
        Config = config;
        SigningKey = signingKey;
        Urls = urls;
    }

    public MyelinConfig Config { get; }

    /// <summary>The server's Ed25519 signing key, loaded (or created) from <c>signing_key_path</c>.</summary>
    public SigningKey SigningKey { get; }

    /// <summary>The addresses actually bound, with the real port when the config asked for port 0.</summary>
    public IReadOnlyList<Uri> Urls { get; }

    /// <summary>The first bound address, e.g. <c>http://127.0.0.1:8008/</c>.</summary>
    public Uri BaseAddress => Urls[0];

    public IServiceProvider Services => _app.Services;

    /// <summary>The opened, migrated database (also registered in DI).</summary>
    public MyelinDatabase Database => _database;

    /// <summary>Builds the server from <paramref name="config"/>, binds its listeners and starts serving.</summary>
    /// <exception cref="ConfigException">The configuration cannot be used (e.g. unreadable TLS files or signing key).</exception>
    public static async Task<MyelinHost> StartAsync(MyelinConfig config, MyelinHostOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new MyelinHostOptions();
        var signingKey = ServerKeyFile.LoadOrCreate(config.SigningKeyPath, out _);
        MyelinDatabase database;
        try
        {
            database = await config.Database.OpenAsync(cancellationToken);
        }
        catch
        {
            signingKey.Dispose();
            throw;
        }
        WebApplication app;
        try
        {
            app = Build(config, options, signingKey, database);
        }
        catch
        {
            await database.DisposeAsync();
            signingKey.Dispose();
            throw;
        }
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            await database.DisposeAsync();
            signingKey.Dispose();
            throw;
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        var urls = addresses.Select(a => new Uri(a.Replace("[::]", "[::1]", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal))).ToList();
        var host = new MyelinHost(app, database, config, signingKey, urls);
        var logger = app.Services.GetRequiredService<ILogger<MyelinHost>>();
        foreach (var url in urls)
        {
            LogListening(logger, url, config.ServerName.Value);
        }
        return host;
    }

    /// <summary>Completes when the server has been asked to stop (by <see cref="StopAsync"/> or from inside).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default)
    {
        var lifetime = _app.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        return stopping.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Stops accepting connections, lets in-flight requests finish and hosted services complete their writes,
    /// up to <c>shutdown_timeout</c>.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync(cancellationToken);
            // Hosted services have finished; now the queued writes are committed and connections closed.
            await _database.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        SigningKey.Dispose();
    }

    private static WebApplication Build(MyelinConfig config, MyelinHostOptions options, SigningKey signingKey, MyelinDatabase database)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(MyelinHost).Assembly.GetName().Name,
            Args = [],
        });

        ConfigureLogging(builder.Logging, config, options);
        var tls = config.Listeners.Any(l => l.Tls) ? new TlsCertificateReloader(config, options.TlsReloadInterval) : null;
        ConfigureKestrel(builder.WebHost, config, tls);

        var registry = options.MetricsRegistry ?? Prometheus.Metrics.NewCustomRegistry();
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = config.ShutdownTimeout);
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(signingKey);
        // Owned by the host (disposed after the app stops), so registered as an instance.
        builder.Services.AddSingleton(database);
        builder.Services.AddSingleton(TimeProvider.System);
        var metrics = new MyelinMetrics(registry);
        builder.Services.AddSingleton(metrics);
        // Every store operation's duration, labelled "read:GetEventAsync", "write:PersistAsync", ...
        database.ObserveTimings((kind, operation, seconds) => metrics.DatabaseDuration.WithLabels($"{kind}:{operation}").Observe(seconds));
        builder.Services.AddSingleton(sp => new RateLimiter(config.RateLimiting, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new Federation.RateLimiting.FederationRateLimiter(config.RateLimiting, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddClientApi();
        builder.Services.AddFederation();
        options.ConfigureServices?.Invoke(builder.Services);

        var app = builder.Build();
        tls?.UseLogger(app.Services.GetRequiredService<ILogger<TlsCertificateReloader>>());

        // Order matters: the request log and CORS see every response, including errors; metrics record the
        // final status; the error middleware wraps everything that can throw.
        app.UseMiddleware<RequestLogMiddleware>();
        app.UseMiddleware<CorsMiddleware>();
        app.UseRouting();
        app.UseHttpMetrics(o => o.SetMetricFactory(Prometheus.Metrics.WithCustomRegistry(registry)));
        app.UseMiddleware<MatrixErrorMiddleware>();
        app.UseMiddleware<ListenerMiddleware>();

        app.MapDiscoveryApi(config);
        app.MapMetrics("/metrics", registry);
        app.MapClientApi();
        app.MapFederationApi();
        options.ConfigureEndpoints?.Invoke(app);
        return app;
    }

    private static void ConfigureLogging(ILoggingBuilder logging, MyelinConfig config, MyelinHostOptions options)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(config.LogLevel);
        // ASP.NET Core's own request logs include full URLs with query strings (which may carry access_token);
        // RequestLogMiddleware writes the request line instead.
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        if (options.ConsoleLogging)
        {
            if (config.LogFormat == LogFormat.Json)
            {
                logging.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ");
            }
            else
            {
                logging.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
                });
            }
        }
        options.ConfigureLogging?.Invoke(logging);
    }

    private static void ConfigureKestrel(IWebHostBuilder webHost, MyelinConfig config, TlsCertificateReloader? tls)
    {
        webHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = config.MaxRequestBodySize;
            foreach (var listener in config.Listeners)
            {
                foreach (var address in listener.BindAddresses)
                {
                    kestrel.Listen(address, listener.Port, listen =>
                    {
                        if (listener.Tls && tls is not null)
                        {
                            // A selector, not a fixed certificate: renewed files are served without a restart.
                            listen.UseHttps(https => https.ServerCertificateSelector = (_, _) => tls.Current);
                        }
                        // Tag each connection with its listener so ListenerMiddleware can apply its resources.
                        listen.Use(next => connection =>
                        {
                            connection.Items[ListenerMiddleware.ListenerKey] = listener;
                            return next(connection);
                        });
                    });
                }
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Myelin serving {ServerName} on {Url}")]
    private static partial void LogListening(ILogger logger, Uri url, string serverName);
}
