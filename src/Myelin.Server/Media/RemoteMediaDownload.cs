using Microsoft.AspNetCore.WebUtilities;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Client;

namespace Myelin.Server.Media;

/// <summary>
/// The media in an answer from another server, as a stream to copy once: either the spec's <c>multipart/mixed</c>
/// answer of <c>/_matrix/federation/v1/media/*</c> (a JSON metadata part, then the bytes or a <c>Location</c> to fetch
/// them from) or the plain body of the deprecated <c>/_matrix/media/v3/*</c> endpoints. Owns the HTTP responses.
/// spec: server-server "Content Repository"; content_repository.yaml.
/// </summary>
public sealed class RemoteMediaDownload : IAsyncDisposable
{
    /// <summary>The metadata part is "currently always an empty object"; anything much larger is not a media answer.</summary>
    private const int MaxMetadataBytes = 64 * 1024;

    private readonly List<IDisposable> _owned;

    private RemoteMediaDownload(Stream content, string? contentType, string? fileName, long? length, List<IDisposable> owned)
    {
        Content = content;
        ContentType = contentType;
        FileName = fileName;
        Length = length;
        _owned = owned;
    }

    /// <summary>The media bytes (read once).</summary>
    public Stream Content { get; }

    public string? ContentType { get; }

    /// <summary>The file name from the origin's <c>Content-Disposition</c>, if it gave one.</summary>
    public string? FileName { get; }

    /// <summary>The announced length of the bytes, if known.</summary>
    public long? Length { get; }

    /// <summary>A plain (non-multipart) answer: the response body is the media. Takes ownership of <paramref name="response"/>.</summary>
    public static async Task<RemoteMediaDownload> FromPlainAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            return new RemoteMediaDownload(stream, response.Content.Headers.ContentType?.ToString(),
                MediaHeaders.FileNameOf(response.Content.Headers.ContentDisposition?.ToString()), response.Content.Headers.ContentLength, [response]);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A federation media answer: parses the <c>multipart/mixed</c> body and, for a <c>Location</c> part, fetches that
    /// URL through <paramref name="client"/>. Takes ownership of <paramref name="response"/>. Malformed answers throw
    /// <see cref="FederationRequestException"/>.
    /// </summary>
    public static async Task<RemoteMediaDownload> FromMultipartAsync(HttpResponseMessage response, FederationClient client, ServerName origin,
        TimeSpan headersTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(client);
        var owned = new List<IDisposable> { response };
        try
        {
            string? contentType = response.Content.Headers.ContentType?.ToString();
            if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var type)
                || !type.MediaType.Equals("multipart/mixed", StringComparison.OrdinalIgnoreCase)
                || Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 and <= 70 } boundary)
            {
                // spec: content_repository.yaml "MUST contain a boundary ... delineating exactly two parts".
                throw new FederationRequestException(origin, $"Media answer is '{contentType}', not multipart/mixed with a boundary.");
            }
            var reader = new MultipartReader(boundary, await response.Content.ReadAsStreamAsync(cancellationToken));
            var metadata = await reader.ReadNextSectionAsync(cancellationToken)
                ?? throw new FederationRequestException(origin, "Media answer has no metadata part.");
            await DrainAsync(metadata.Body, MaxMetadataBytes, origin, cancellationToken);
            var media = await reader.ReadNextSectionAsync(cancellationToken)
                ?? throw new FederationRequestException(origin, "Media answer has no media part.");
            if (media.Headers is { } headers && headers.TryGetValue("Location", out var location))
            {
                if (!Uri.TryCreate(location.ToString(), UriKind.Absolute, out var url))
                {
                    throw new FederationRequestException(origin, "Media answer has an invalid Location.");
                }
                // spec: "When Location is present, servers SHOULD NOT cache the URL" — it is fetched now and forgotten.
                var redirected = await client.GetUrlAsync(origin, url, headersTimeout, cancellationToken);
                owned.Add(redirected);
                var body = await redirected.Content.ReadAsStreamAsync(cancellationToken);
                return new RemoteMediaDownload(body, redirected.Content.Headers.ContentType?.ToString(),
                    MediaHeaders.FileNameOf(redirected.Content.Headers.ContentDisposition?.ToString()), redirected.Content.Headers.ContentLength, owned);
            }
            return new RemoteMediaDownload(media.Body, media.ContentType, MediaHeaders.FileNameOf(media.ContentDisposition), null, owned);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or HttpRequestException)
        {
            Dispose(owned);
            throw new FederationRequestException(origin, $"Reading the media answer failed: {e.Message}", inner: e);
        }
        catch
        {
            Dispose(owned);
            throw;
        }
    }

    private static async Task DrainAsync(Stream body, int max, ServerName origin, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[4096];
        int total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > max)
            {
                throw new FederationRequestException(origin, $"Media answer's metadata part exceeds {max} bytes.");
            }
        }
    }

    private static void Dispose(List<IDisposable> owned)
    {
        foreach (var item in owned)
        {
            item.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync();
        Dispose(_owned);
    }
}
