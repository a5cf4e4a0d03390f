using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Myelin.Server.Hosting;

/// <summary>How an embedding process (the CLI, a test) wants the host set up beyond the config file.</summary>
public sealed record MyelinHostOptions
{
    /// <summary>Write logs to the console (text or JSON per <c>log_format</c>). Tests usually turn this off.</summary>
    public bool ConsoleLogging { get; init; } = true;

    /// <summary>Extra logging setup, e.g. a provider that captures log lines in a test.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Extra services, registered after the server's own (so they can replace them).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>Extra endpoints, mapped after the server's own.</summary>
    public Action<IEndpointRouteBuilder>? ConfigureEndpoints { get; init; }

    /// <summary>How often, at most, TLS handshakes check whether the certificate files changed (tests shorten it).</summary>
    public TimeSpan TlsReloadInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Where metrics are registered. The CLI passes <see cref="Metrics.DefaultRegistry"/> (which also carries
    /// process and .NET runtime metrics); by default each host gets its own registry so tests stay independent.
    /// </summary>
    public CollectorRegistry? MetricsRegistry { get; init; }
}
