using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Keys;
using Myelin.Server.Federation.Sending;
using Myelin.Server.Http;

namespace Myelin.Server.Federation.Authentication;

/// <summary>
/// Checks the X-Matrix signature of an inbound federation request: the header parses, names us as destination,
/// comes from a server we federate with, and is signed over {method, uri, origin, destination, content} by a
/// current key of the origin. spec: server-server "Request Authentication".
/// </summary>
public sealed partial class FederationAuthenticator
{
    private static readonly object ItemKey = new();

    private readonly MyelinConfig _config;
    private readonly RemoteServerKeys _keys;
    private readonly TimeProvider _time;
    private readonly ILogger<FederationAuthenticator> _logger;
    private readonly IFederationSender _sender;

    public FederationAuthenticator(MyelinConfig config, RemoteServerKeys keys, TimeProvider time, ILogger<FederationAuthenticator> logger, IFederationSender sender)
    {
        _sender = sender;
        _config = config;
        _keys = keys;
        _time = time;
        _logger = logger;
    }

    /// <summary>The verified origin; throws <see cref="MatrixException"/> (401 M_UNAUTHORIZED, 403 M_FORBIDDEN, 400 M_NOT_JSON).</summary>
    public async Task<FederationOrigin> AuthenticateAsync(HttpContext context)
    {
        if (context.Items.TryGetValue(ItemKey, out var done) && done is FederationOrigin known)
        {
            return known;
        }
        var request = context.Request;
        XMatrixAuthorization? authorization = null;
        string? parseError = null;
        // A request may carry one X-Matrix header per signing key; the first that parses is checked.
        foreach (string? header in request.Headers.Authorization)
        {
            if (XMatrixAuthorization.TryParse(header, out authorization, out parseError))
            {
                break;
            }
        }
        if (authorization is null)
        {
            throw MatrixException.Unauthorized(parseError ?? "Missing X-Matrix Authorization header.");
        }
        if (!ServerName.TryParse(authorization.Origin, out ServerName origin))
        {
            throw MatrixException.Unauthorized("The X-Matrix origin is not a server name.");
        }
        // spec: "If this property is included, but the value does not match the receiving server's name, the
        // receiving server must deny the request with an HTTP status code 401 Unauthorized."
        if (authorization.Destination is { } destination && destination != _config.ServerName.Value)
        {
            throw MatrixException.Unauthorized($"This request is for {destination}, but this server is {_config.ServerName}.");
        }
        if (!KeyId.TryParse(authorization.Key, out KeyId keyId) || keyId.Algorithm != KeyId.Ed25519)
        {
            throw MatrixException.Unauthorized("The X-Matrix key is not an ed25519 key ID.");
        }
        if (_config.FederationDomainWhitelist is { } whitelist && !whitelist.Contains(origin.Value, StringComparer.OrdinalIgnoreCase))
        {
            throw MatrixException.Forbidden("Federation with this server is not allowed.");
        }

        JsonElement? content = await ReadContentAsync(request, context.RequestAborted);
        string uri = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw ? raw : request.Path + request.QueryString;

        var key = await _keys.GetVerifyKeyAsync(origin, keyId, _time.GetUtcNow().ToUnixTimeMilliseconds(), acceptOld: false,
            cancellationToken: context.RequestAborted);
        if (key is null)
        {
            LogRejected(_logger, origin.Value, $"no current key {keyId}");
            throw MatrixException.Unauthorized($"Cannot find a current key {keyId} for {origin}.");
        }
        var check = FederationRequestSigning.Verify(request.Method, uri, authorization.Destination ?? _config.ServerName.Value, content, authorization, key);
        if (!check.IsValid)
        {
            LogRejected(_logger, origin.Value, check.ToString());
            throw MatrixException.Unauthorized("The request signature is invalid.");
        }
        var result = new FederationOrigin(origin);
        context.Items[ItemKey] = result;
        // The origin is evidently up: retry what we have queued for it now rather than after its backoff.
        _sender.OnServerSeen(origin);
        return result;
    }

    /// <summary>The JSON body, left readable for the handler; null for a request without a body.</summary>
    private static async Task<JsonElement?> ReadContentAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength == 0 || (request.ContentLength is null && !request.Headers.TransferEncoding.Any()))
        {
            return null;
        }
        request.EnableBuffering();
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        request.Body.Position = 0;
        if (buffer.Length == 0)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), JsonBody.DocumentOptions);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw MatrixException.NotJson("The request body is not JSON.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected a federation request from {Origin}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string origin, string reason);
}
