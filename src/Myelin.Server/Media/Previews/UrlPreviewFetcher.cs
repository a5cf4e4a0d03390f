using System.Net;
using System.Net.Http.Headers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Client;
using Myelin.Server.Federation.Discovery;
using Myelin.Server.FederationApi;
using Myelin.Server.Http;

namespace Myelin.Server.Media.Previews;

/// <summary>
/// Downloads pages and images for URL previews without letting a user aim the server at its own network: every
/// connection (each redirect hop, each retry, IP literals and names alike) goes through
/// <see cref="OutboundIpFilter.ForUrlPreviews"/> in the handler's <c>ConnectCallback</c>, so the address checked is
/// the one connected to, after DNS (no rebinding window). Redirects are followed here, not by the handler, so each
/// hop is also checked against <c>url_preview_url_blacklist</c>. Bodies are capped at <c>max_spider_size</c>.
/// Failures are <see cref="MatrixException"/>s: 403 M_FORBIDDEN for a blocked URL or address, 502 M_UNKNOWN otherwise.
/// </summary>
public sealed class UrlPreviewFetcher : IDisposable
{
    /// <summary>Redirects followed before giving up (as federation's handler).</summary>
    public const int MaxRedirects = 5;

    /// <summary>The whole download (connects, redirects, headers and body) must finish within this.</summary>
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(30);

    private static readonly string UserAgent = $"{VersionEndpoint.ImplementationName}/{VersionEndpoint.ImplementationVersion} (bot; URL preview)";

    private readonly UrlPreviewConfig _config;
    private readonly HttpClient _http;

    public UrlPreviewFetcher(MyelinConfig config, IFederationDns dns)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config.UrlPreview;
        var filter = OutboundIpFilter.ForUrlPreviews(_config);
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.All,
            MaxResponseHeadersLength = 64,
            ConnectCallback = (context, cancellationToken) => filter.ConnectAsync(context.DnsEndPoint, dns, cancellationToken),
        })
        { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Whether <c>url_preview_url_blacklist</c> blocks <paramref name="url"/>.</summary>
    public bool IsBlocked(Uri url) => _config.UrlBlacklist.Any(rule => rule.Matches(url));

    /// <summary>
    /// GETs <paramref name="url"/> (an absolute http or https URL), following up to <see cref="MaxRedirects"/>
    /// redirects, and reads at most <paramref name="maxBytes"/> of the final 2xx answer.
    /// </summary>
    public async Task<FetchedResource> FetchAsync(Uri url, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(FetchTimeout);
        try
        {
            for (int hop = 0; ; hop++)
            {
                CheckTarget(url);
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.UserAgent.ParseAdd(UserAgent);
                if (_config.AcceptLanguage.Count > 0)
                {
                    request.Headers.TryAddWithoutValidation("Accept-Language", string.Join(", ", _config.AcceptLanguage));
                }
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                if (IsRedirect(response.StatusCode) && response.Headers.Location is { } location)
                {
                    if (hop >= MaxRedirects)
                    {
                        throw MatrixException.Unknown($"More than {MaxRedirects} redirects.", 502);
                    }
                    url = location.IsAbsoluteUri ? location : new Uri(url, location);
                    continue;
                }
                if (!response.IsSuccessStatusCode)
                {
                    throw MatrixException.Unknown($"The URL answered {(int)response.StatusCode}.", 502);
                }
                byte[] body = await ReadCappedAsync(response.Content, maxBytes, timeout.Token);
                var type = response.Content.Headers.ContentType;
                return new FetchedResource(url, type?.MediaType?.ToLowerInvariant(), type?.CharSet, FileNameOf(response.Content.Headers.ContentDisposition),
                    body);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw MatrixException.Unknown($"Fetching the URL took longer than {FetchTimeout.TotalSeconds:0} s.", 502);
        }
        catch (HttpRequestException e) when (Blocked(e) is { } blocked)
        {
            // As Synapse: "IP address blocked by IP blacklist entry".
            throw MatrixException.Forbidden($"IP address blocked: {blocked.Message}");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException)
        {
            throw MatrixException.Unknown($"Failed to download content: {e.Message}", 502);
        }
    }

    private void CheckTarget(Uri url)
    {
        // A redirect may point anywhere: only the web is previewed.
        if (url.Scheme is not ("http" or "https") || url.Host.Length == 0)
        {
            throw MatrixException.Unknown($"Not following a redirect to a {url.Scheme} URL.", 502);
        }
        if (IsBlocked(url))
        {
            throw MatrixException.Forbidden("URL blocked by url_preview_url_blacklist.");
        }
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static OutboundAddressBlockedException? Blocked(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is OutboundAddressBlockedException blocked)
            {
                return blocked;
            }
        }
        return null;
    }

    private static async Task<byte[]> ReadCappedAsync(HttpContent content, long maxBytes, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            // Stop reading at the cap: a server may send an endless body.
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(maxBytes);
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static MatrixException TooLarge(long maxBytes) => MatrixException.Unknown($"The content is larger than max_spider_size ({maxBytes} bytes).", 502);

    private static string? FileNameOf(ContentDispositionHeaderValue? disposition) =>
        MediaHeaders.FileNameOf(disposition?.ToString());

    public void Dispose() => _http.Dispose();
}

/// <summary>A downloaded page or image: the URL it finally came from (after redirects), its media type and bytes.</summary>
public sealed record FetchedResource(Uri Url, string? MediaType, string? Charset, string? FileName, byte[] Body);
