using Microsoft.Net.Http.Headers;

namespace Myelin.Server.Media;

/// <summary>The <c>Content-Disposition</c> rules for served media, shared by the client and federation endpoints.</summary>
public static class MediaHeaders
{
    /// <summary>spec: content_repo.md "Serving inline content" — the only types served with Content-Disposition: inline.</summary>
    private static readonly HashSet<string> InlineContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "text/css", "text/plain", "text/csv", "application/json", "application/ld+json", "image/jpeg", "image/gif", "image/png",
        "image/apng", "image/webp", "image/avif", "video/mp4", "video/webm", "video/ogg", "video/quicktime", "audio/mp4",
        "audio/webm", "audio/aac", "audio/mpeg", "audio/ogg", "audio/wave", "audio/wav", "audio/x-wav", "audio/x-pn-wav",
        "audio/flac", "audio/x-flac",
    };

    /// <summary>The content type to serve: the stored one, or <c>application/octet-stream</c> when unknown.</summary>
    public static string ContentTypeOrDefault(string? contentType) => string.IsNullOrWhiteSpace(contentType) ? "application/octet-stream" : contentType;

    /// <summary>
    /// <c>inline</c> for the spec's safe types, <c>attachment</c> otherwise, with the file name (ASCII <c>filename</c>
    /// and RFC 5987 <c>filename*</c> when needed) if there is one.
    /// </summary>
    public static string ContentDisposition(string contentType, string? fileName)
    {
        string mediaType = contentType.Split(';', 2)[0].Trim();
        var disposition = new ContentDispositionHeaderValue(InlineContentTypes.Contains(mediaType) ? "inline" : "attachment");
        if (!string.IsNullOrEmpty(fileName))
        {
            disposition.SetHttpFileName(fileName);
        }
        return disposition.ToString();
    }

    /// <summary>The file name of a <c>Content-Disposition</c> value (<c>filename*</c> preferred), or null.</summary>
    public static string? FileNameOf(string? contentDisposition)
    {
        if (string.IsNullOrEmpty(contentDisposition) || !ContentDispositionHeaderValue.TryParse(contentDisposition, out var parsed))
        {
            return null;
        }
        string? name = parsed.FileNameStar.HasValue ? parsed.FileNameStar.Value : HeaderUtilities.RemoveQuotes(parsed.FileName).Value;
        // A name is shown to users and put back into our own header: no paths, no control characters.
        return string.IsNullOrEmpty(name) || name.Any(char.IsControl) ? null : name;
    }
}
