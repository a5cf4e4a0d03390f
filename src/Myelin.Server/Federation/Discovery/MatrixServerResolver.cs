using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Federation.Discovery;

/// <summary>
/// The spec's server name resolution: IP literals, explicit ports, <c>/.well-known/matrix/server</c> delegation
/// (cached), SRV <c>_matrix-fed._tcp</c> then the deprecated <c>_matrix._tcp</c>, and port 8448.
/// spec: server-server "Resolving server names".
/// </summary>
public sealed partial class MatrixServerResolver : IServerResolver
{
    public const int DefaultPort = 8448;

    /// <summary>spec: "The recommended sensible default is 24 hours".</summary>
    public static readonly TimeSpan DefaultWellKnownCache = TimeSpan.FromHours(24);

    /// <summary>spec: "Servers should additionally impose a maximum cache time for responses: 48 hours is recommended".</summary>
    public static readonly TimeSpan MaxWellKnownCache = TimeSpan.FromHours(48);

    /// <summary>spec: "Errors are recommended to be cached for up to an hour" — reached by doubling from 2 minutes.</summary>
    public static readonly TimeSpan MaxWellKnownFailureCache = TimeSpan.FromHours(1);

    public static readonly TimeSpan FirstWellKnownFailureCache = TimeSpan.FromMinutes(2);

    /// <summary>Larger bodies are not a well-known document (Synapse's limit).</summary>
    public const int MaxWellKnownSize = 50 * 1024;

    private readonly IFederationDns _dns;
    private readonly HttpClient _wellKnownHttp;
    private readonly TimeProvider _time;
    private readonly int _wellKnownPort;
    private readonly ILogger<MatrixServerResolver> _logger;
    private readonly ConcurrentDictionary<string, WellKnownEntry> _wellKnown = new(StringComparer.OrdinalIgnoreCase);

    public MatrixServerResolver(IFederationDns dns, HttpClient wellKnownHttp, TimeProvider time, FederationOptions options, ILogger<MatrixServerResolver> logger)
    {
        _dns = dns;
        _wellKnownHttp = wellKnownHttp;
        _time = time;
        _wellKnownPort = options.WellKnownPort;
        _logger = logger;
    }

    private sealed record WellKnownEntry(string? Delegated, DateTimeOffset ExpiresAt, int Failures);

    public async ValueTask<ResolvedServer> ResolveAsync(ServerName serverName, CancellationToken cancellationToken = default)
    {
        string host = serverName.Host;
        int? port = serverName.Port;
        // 1. An IP literal: that address, the given port or 8448, Host header = the server name.
        if (serverName.IsIpLiteral)
        {
            return new ResolvedServer(host, port ?? DefaultPort, serverName.Value);
        }
        // 2. An explicit port: resolve the host name, Host header = the server name with port.
        if (port is { } explicitPort)
        {
            return new ResolvedServer(host, explicitPort, serverName.Value);
        }
        // 3. /.well-known/matrix/server delegation.
        if (await GetDelegatedServerAsync(host, cancellationToken) is { } delegated
            && ServerName.TryParse(delegated, out ServerName delegatedName))
        {
            string delegatedHost = delegatedName.Host;
            // 3.1 An IP literal: Host header = the IP (with port if given).
            if (delegatedName.IsIpLiteral)
            {
                return new ResolvedServer(delegatedHost, delegatedName.Port ?? DefaultPort, delegatedName.Value);
            }
            // 3.2 A host name with port.
            if (delegatedName.Port is { } delegatedPort)
            {
                return new ResolvedServer(delegatedHost, delegatedPort, delegatedName.Value);
            }
            // 3.3 / 3.4 SRV records of the delegated host; 3.5 port 8448. Host header = the delegated host name.
            return await ResolveBySrvAsync(delegatedHost, cancellationToken);
        }
        // 4. / 5. SRV records of the host name; 6. port 8448. Host header = the host name.
        return await ResolveBySrvAsync(host, cancellationToken);
    }

    private async Task<ResolvedServer> ResolveBySrvAsync(string host, CancellationToken cancellationToken)
    {
        var srv = await _dns.ResolveSrvAsync($"_matrix-fed._tcp.{host}", cancellationToken)
            ?? await _dns.ResolveSrvAsync($"_matrix._tcp.{host}", cancellationToken);
        return srv is { } found
            ? new ResolvedServer(found.Target, found.Port, host)
            : new ResolvedServer(host, DefaultPort, host);
    }

    /// <summary>The <c>m.server</c> value for <paramref name="host"/>, or null if the lookup failed (both cached).</summary>
    public async Task<string?> GetDelegatedServerAsync(string host, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_wellKnown.TryGetValue(host, out var cached) && cached.ExpiresAt > now)
        {
            return cached.Delegated;
        }
        var (delegated, cacheFor) = await FetchWellKnownAsync(host, cancellationToken);
        if (delegated is not null)
        {
            _wellKnown[host] = new WellKnownEntry(delegated, now + cacheFor!.Value, 0);
            return delegated;
        }
        // Repeated failures back off exponentially, up to an hour.
        int failures = (cached?.Delegated is null ? cached?.Failures ?? 0 : 0) + 1;
        double minutes = Math.Min(MaxWellKnownFailureCache.TotalMinutes, FirstWellKnownFailureCache.TotalMinutes * Math.Pow(2, failures - 1));
        _wellKnown[host] = new WellKnownEntry(null, now + TimeSpan.FromMinutes(minutes), failures);
        return null;
    }

    private async Task<(string? Delegated, TimeSpan? CacheFor)> FetchWellKnownAsync(string host, CancellationToken cancellationToken)
    {
        string authority = _wellKnownPort == 443 ? host : $"{host}:{_wellKnownPort.ToString(CultureInfo.InvariantCulture)}";
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var response = await _wellKnownHttp.GetAsync(new Uri($"https://{authority}/.well-known/matrix/server"),
                HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                LogWellKnownFailed(_logger, host, $"status {(int)response.StatusCode}");
                return (null, null);
            }
            if (response.Content.Headers.ContentLength > MaxWellKnownSize)
            {
                LogWellKnownFailed(_logger, host, "response too large");
                return (null, null);
            }
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            byte[] buffer = new byte[MaxWellKnownSize + 1];
            int total = 0;
            int read;
            while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), timeout.Token)) > 0)
            {
                total += read;
            }
            if (total > MaxWellKnownSize)
            {
                LogWellKnownFailed(_logger, host, "response too large");
                return (null, null);
            }
            string? delegated = ParseWellKnown(buffer.AsSpan(0, total));
            if (delegated is null)
            {
                LogWellKnownFailed(_logger, host, "not a JSON object with a valid m.server");
                return (null, null);
            }
            return (delegated, CacheLifetime(response));
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            LogWellKnownFailed(_logger, host, e.Message);
            return (null, null);
        }
    }

    /// <summary>The <c>m.server</c> of a well-known body, or null if the body is invalid. spec: wellknown "GET /.well-known/matrix/server".</summary>
    public static string? ParseWellKnown(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("m.server", out var server)
                && server.ValueKind == JsonValueKind.String
                && ServerName.TryParse(server.GetString(), out _)
                ? server.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Cache-Control's max-age (no-store/no-cache: not cached beyond this request), capped at 48 hours; 24 hours without one.</summary>
    private static TimeSpan CacheLifetime(HttpResponseMessage response)
    {
        var cacheControl = response.Headers.CacheControl;
        if (cacheControl is not null && (cacheControl.NoStore || cacheControl.NoCache))
        {
            return TimeSpan.Zero;
        }
        if (cacheControl?.MaxAge is { } maxAge)
        {
            return maxAge > MaxWellKnownCache ? MaxWellKnownCache : maxAge;
        }
        return DefaultWellKnownCache;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "No usable /.well-known/matrix/server for {Host}: {Reason}")]
    private static partial void LogWellKnownFailed(ILogger logger, string host, string reason);
}
