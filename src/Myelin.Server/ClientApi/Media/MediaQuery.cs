using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Myelin.Server.Http;
using Myelin.Server.Media;

namespace Myelin.Server.ClientApi.Media;

/// <summary>
/// Query parameters of the media download and thumbnail endpoints, shared by the client-server and server-server
/// APIs. spec: content-repo.yaml / authed-content-repo.yaml / server-server content_repository.yaml.
/// </summary>
public static class MediaQuery
{
    /// <summary>spec: timeout_ms "Defaults to 20000 (20 seconds)"; "SHOULD impose a maximum" — 120 s as Synapse.</summary>
    public const long DefaultTimeoutMs = 20_000;
    public const long MaxTimeoutMs = 120_000;

    /// <summary>Largest thumbnail edge a client may ask for (Synapse's dynamic thumbnail limit is similar).</summary>
    public const int MaxThumbnailDimension = 4096;

    /// <summary>A parsed thumbnail request.</summary>
    public sealed record ThumbnailRequest(int Width, int Height, ThumbnailMethod Method, TimeSpan Timeout);

    /// <summary><c>timeout_ms</c> (default 20 s, capped at 120 s); 400 M_INVALID_PARAM if not a non-negative integer.</summary>
    public static TimeSpan Timeout(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var value = query["timeout_ms"];
        if (value.Count == 0)
        {
            return TimeSpan.FromMilliseconds(DefaultTimeoutMs);
        }
        if (!long.TryParse(value[0], NumberStyles.None, CultureInfo.InvariantCulture, out long ms))
        {
            throw MatrixException.InvalidParam("'timeout_ms' must be a non-negative integer.");
        }
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxTimeoutMs));
    }

    /// <summary><c>allow_remote</c> (default true); 400 M_INVALID_PARAM unless <c>true</c> or <c>false</c>.</summary>
    public static bool AllowRemote(IQueryCollection query) => Boolean(query, "allow_remote", true);

    /// <summary>width, height (required, 1..4096), method (crop|scale, default scale), animated (boolean) and timeout_ms.</summary>
    public static ThumbnailRequest Thumbnail(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        int width = Dimension(query["width"], "width");
        int height = Dimension(query["height"], "height");
        var method = query["method"].Count == 0 ? ThumbnailMethod.Scale : query["method"][0] switch
        {
            "scale" => ThumbnailMethod.Scale,
            "crop" => ThumbnailMethod.Crop,
            _ => throw MatrixException.InvalidParam("'method' must be 'crop' or 'scale'."),
        };
        // Thumbnails are static; spec: animated=true "SHOULD" (not MUST) return an animated thumbnail.
        _ = Boolean(query, "animated", false);
        return new ThumbnailRequest(width, height, method, Timeout(query));
    }

    private static bool Boolean(IQueryCollection query, string name, bool fallback)
    {
        var value = query[name];
        if (value.Count == 0)
        {
            return fallback;
        }
        return value[0] switch
        {
            "true" => true,
            "false" => false,
            _ => throw MatrixException.InvalidParam($"'{name}' must be 'true' or 'false'."),
        };
    }

    private static int Dimension(StringValues value, string name)
    {
        if (value.Count == 0)
        {
            throw MatrixException.MissingParam($"'{name}' is required.");
        }
        if (!int.TryParse(value[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pixels) || pixels < 1 || pixels > MaxThumbnailDimension)
        {
            throw MatrixException.InvalidParam($"'{name}' must be an integer from 1 to {MaxThumbnailDimension}.");
        }
        return pixels;
    }
}
