using System.Net.Http.Headers;
using System.Text.Json;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Authentication;
using Myelin.Server.Federation.Discovery;
using Myelin.Server.ServerKeys;

using Myelin.Server.Http;

namespace Myelin.Server.Federation.Client;

/// <summary>
/// Requests to other homeservers: resolves the destination (<see cref="IServerResolver"/>), signs the request with
/// our key (X-Matrix), and returns the JSON object answer. spec: server-server "Request Authentication", "API standards".
/// </summary>
public sealed class FederationClient
{
    private readonly HttpClient _http;
    private readonly IServerResolver _resolver;
    private readonly ServerKeyRing _keys;
    private readonly FederationOptions _options;
    private readonly MyelinConfig _config;

    public FederationClient(HttpClient http, IServerResolver resolver, ServerKeyRing keys, FederationOptions options, MyelinConfig config)
    {
        _http = http;
        _resolver = resolver;
        _keys = keys;
        _options = options;
        _config = config;
    }

    /// <summary>A signed GET. <paramref name="pathAndQuery"/> starts with <c>/_matrix/</c>, already percent-encoded.</summary>
    public Task<JsonElement> GetAsync(ServerName destination, string pathAndQuery, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, destination, pathAndQuery, null, authenticated: true, cancellationToken);

    public Task<JsonElement> PostAsync(ServerName destination, string pathAndQuery, JsonElement body, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, destination, pathAndQuery, body, authenticated: true, cancellationToken);

    public Task<JsonElement> PutAsync(ServerName destination, string pathAndQuery, JsonElement body, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, destination, pathAndQuery, body, authenticated: true, cancellationToken);

    /// <summary>
    /// A signed PUT whose answer may be far larger and slower than usual (<c>send_join</c>: the room's whole state):
    /// <see cref="FederationOptions.MaxSendJoinResponseSize"/> and <see cref="FederationOptions.SendJoinTimeout"/> apply.
    /// </summary>
    public Task<JsonElement> PutLargeAsync(ServerName destination, string pathAndQuery, JsonElement body, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, destination, pathAndQuery, body, authenticated: true, _options.MaxSendJoinResponseSize, _options.SendJoinTimeout, cancellationToken);

    /// <summary>GET /_matrix/key/v2/server (unauthenticated: the keys are what authentication needs).</summary>
    public Task<JsonElement> GetServerKeysAsync(ServerName destination, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, destination, "/_matrix/key/v2/server", null, authenticated: false, cancellationToken);

    /// <summary>POST /_matrix/key/v2/query to a notary with <c>{"server_keys": …}</c>.</summary>
    public Task<JsonElement> QueryServerKeysAsync(ServerName notary, JsonElement request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, notary, "/_matrix/key/v2/query", request, authenticated: true, cancellationToken);

    /// <summary>GET /_matrix/federation/v1/version.</summary>
    public Task<JsonElement> GetVersionAsync(ServerName destination, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, destination, "/_matrix/federation/v1/version", null, authenticated: true, cancellationToken);

    /// <summary>Sends one request; throws <see cref="FederationRequestException"/> for every failure.</summary>
    public Task<JsonElement> SendAsync(HttpMethod method, ServerName destination, string pathAndQuery, JsonElement? body, bool authenticated,
        CancellationToken cancellationToken = default) =>
        SendAsync(method, destination, pathAndQuery, body, authenticated, _options.MaxResponseSize, _options.RequestTimeout, cancellationToken);

    private async Task<JsonElement> SendAsync(HttpMethod method, ServerName destination, string pathAndQuery, JsonElement? body, bool authenticated,
        long maxResponseSize, TimeSpan requestTimeout, CancellationToken cancellationToken)
    {
        using var request = await CreateRequestAsync(method, destination, pathAndQuery, body, authenticated, "application/json", cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(requestTimeout);
        using var response = await SendRequestAsync(request, destination, method, pathAndQuery, timeout.Token, cancellationToken);
        JsonElement? json = await ReadJsonAsync(response, destination, maxResponseSize, timeout.Token, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw ErrorResponse(response, json, destination, method, pathAndQuery);
        }
        if (json is not { ValueKind: JsonValueKind.Object } result)
        {
            throw new FederationRequestException(destination, $"{method} {pathAndQuery} did not answer a JSON object.", (int)response.StatusCode);
        }
        return result;
    }

    /// <summary>
    /// A GET whose answer is not JSON (media: spec: server-server "Content Repository"), signed unless
    /// <paramref name="authenticated"/> is false (the deprecated <c>/_matrix/media</c> endpoints). Returns the
    /// successful response as soon as its headers arrived (within <paramref name="headersTimeout"/>); the caller owns
    /// it and reads the body under its own limits. An error response, a failure or the timeout throw
    /// <see cref="FederationRequestException"/> (with the status and errcode of an error response).
    /// </summary>
    public async Task<HttpResponseMessage> GetStreamingAsync(ServerName destination, string pathAndQuery, bool authenticated, TimeSpan headersTimeout,
        CancellationToken cancellationToken = default)
    {
        using var request = await CreateRequestAsync(HttpMethod.Get, destination, pathAndQuery, null, authenticated, "*/*", cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(headersTimeout);
        var response = await SendRequestAsync(request, destination, HttpMethod.Get, pathAndQuery, timeout.Token, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            JsonElement? json = await ReadJsonAsync(response, destination, _options.MaxResponseSize, timeout.Token, cancellationToken);
            throw ErrorResponse(response, json, destination, HttpMethod.Get, pathAndQuery);
        }
    }

    /// <summary>
    /// An unsigned GET of an absolute http(s) URL another server pointed us at (a media <c>Location</c>), through the
    /// same address filter as all federation traffic, following up to 5 redirects. Returns the successful response
    /// with its headers read; the caller owns it. Failures throw <see cref="FederationRequestException"/> naming
    /// <paramref name="origin"/>.
    /// </summary>
    public async Task<HttpResponseMessage> GetUrlAsync(ServerName origin, Uri url, TimeSpan headersTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(headersTimeout);
        for (int hop = 0; ; hop++)
        {
            if (!url.IsAbsoluteUri || url.Scheme is not ("https" or "http"))
            {
                throw new FederationRequestException(origin, $"Refusing to fetch '{url}': not an http(s) URL.");
            }
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            var response = await SendRequestAsync(request, origin, HttpMethod.Get, url.GetLeftPart(UriPartial.Path), timeout.Token, cancellationToken);
            int status = (int)response.StatusCode;
            if (status is >= 300 and < 400 && response.Headers.Location is { } next)
            {
                response.Dispose();
                // spec: "30x redirects should be followed, however redirection loops should be avoided".
                if (hop >= 5)
                {
                    throw new FederationRequestException(origin, $"Too many redirects fetching '{url.GetLeftPart(UriPartial.Path)}'.", status);
                }
                url = next.IsAbsoluteUri ? next : new Uri(url, next);
                continue;
            }
            if (response.IsSuccessStatusCode)
            {
                return response;
            }
            using (response)
            {
                throw new FederationRequestException(origin, $"GET {url.GetLeftPart(UriPartial.Path)} answered {status}.", status);
            }
        }
    }

    private async Task<HttpRequestMessage> CreateRequestAsync(HttpMethod method, ServerName destination, string pathAndQuery, JsonElement? body,
        bool authenticated, string accept, CancellationToken cancellationToken)
    {
        if (!pathAndQuery.StartsWith("/_matrix/", StringComparison.Ordinal))
        {
            throw new ArgumentException("Federation request targets start with /_matrix/.", nameof(pathAndQuery));
        }
        if (destination == _keys.ServerName)
        {
            throw new FederationRequestException(destination, "Refusing to send a federation request to ourselves.");
        }
        if (_config.FederationDomainWhitelist is { } whitelist && !whitelist.Contains(destination.Value, StringComparer.OrdinalIgnoreCase))
        {
            throw new FederationRequestException(destination, "The destination is not in federation_domain_whitelist.");
        }
        ResolvedServer target = await _resolver.ResolveAsync(destination, cancellationToken);
        string connectHost = target.ConnectHost.Contains(':', StringComparison.Ordinal) && !target.ConnectHost.StartsWith('[') ? $"[{target.ConnectHost}]" : target.ConnectHost;
        var request = new HttpRequestMessage(method, new Uri($"https://{connectHost}:{target.Port}{pathAndQuery}"));
        // The Host header also sets the TLS SNI and the certificate name checked. spec: "Resolving server names".
        request.Headers.Host = target.HostHeader;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        if (body is { } content)
        {
            request.Content = new ByteArrayContent(Serialize(content));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        if (authenticated)
        {
            var authorization = FederationRequestSigning.Sign(method.Method, pathAndQuery, _keys.ServerName, destination, body, _keys.SigningKey);
            request.Headers.TryAddWithoutValidation("Authorization", authorization.Format());
        }
        return request;

        // The body as received or built (a JsonElement writes its tokens as they are), as deep as bodies may be.
        static byte[] Serialize(JsonElement content)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { MaxDepth = JsonBody.MaxDepth + 2 }))
            {
                content.WriteTo(writer);
            }
            return buffer.ToArray();
        }
    }

    private async Task<HttpResponseMessage> SendRequestAsync(HttpRequestMessage request, ServerName destination, HttpMethod method, string pathAndQuery,
        CancellationToken timeoutToken, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeoutToken);
        }
        catch (HttpRequestException e)
        {
            throw new FederationRequestException(destination, $"{method} {pathAndQuery} failed: {e.Message}", inner: e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FederationRequestException(destination, $"{method} {pathAndQuery} timed out.", inner: e);
        }
    }

    private static FederationRequestException ErrorResponse(HttpResponseMessage response, JsonElement? json, ServerName destination, HttpMethod method,
        string pathAndQuery)
    {
        string? errcode = json is { ValueKind: JsonValueKind.Object } error && error.TryGetProperty("errcode", out var e) && e.ValueKind == JsonValueKind.String
            ? e.GetString() : null;
        string? message = json is { ValueKind: JsonValueKind.Object } error2 && error2.TryGetProperty("error", out var m) && m.ValueKind == JsonValueKind.String
            ? m.GetString() : null;
        return new FederationRequestException(destination, $"{method} {pathAndQuery} answered {(int)response.StatusCode} {errcode} {message}".TrimEnd(),
            (int)response.StatusCode, errcode);
    }

    private static async Task<JsonElement?> ReadJsonAsync(HttpResponseMessage response, ServerName destination, long max, CancellationToken timeoutToken,
        CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > max)
        {
            throw new FederationRequestException(destination, $"Response larger than {max} bytes.", (int)response.StatusCode);
        }
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(timeoutToken);
            using var buffer = new MemoryStream();
            byte[] chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, timeoutToken)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > max)
                {
                    throw new FederationRequestException(destination, $"Response larger than {max} bytes.", (int)response.StatusCode);
                }
            }
            if (buffer.Length == 0)
            {
                return null;
            }
            using var document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), JsonBody.DocumentOptions);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new FederationRequestException(destination, $"Reading the response failed: {e.Message}", (int)response.StatusCode, inner: e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FederationRequestException(destination, "Reading the response timed out.", (int)response.StatusCode, inner: e);
        }
    }
}
