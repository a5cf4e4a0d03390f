using SkiaSharp;

namespace Myelin.Server.Media;

/// <summary>
/// Makes static thumbnails with SkiaSharp. spec: client-server "Thumbnails" — "scale" keeps the aspect ratio and fits
/// within the requested box, "crop" fills the box then crops to its aspect; never upscales.
/// </summary>
public static class ThumbnailRenderer
{
    /// <summary>Images declaring more pixels than this are refused before decoding (decompression bombs).</summary>
    public const long MaxSourcePixels = 32L * 1024 * 1024;

    /// <summary>
    /// The thumbnail's encoded bytes and content type, or null when the original is already no larger than the
    /// requested size (the caller serves the original then, as the spec asks). Throws <see cref="ThumbnailException"/>
    /// for unsupported or oversized input.
    /// </summary>
    public static (byte[] Bytes, string ContentType, int Width, int Height)? Render(Stream content, int width, int height, ThumbnailMethod method)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        using var codec = OpenCodec(content) ?? throw new ThumbnailException(false, "Cannot generate thumbnails for this content type.");
        int sourceWidth = codec.Info.Width;
        int sourceHeight = codec.Info.Height;
        if ((long)sourceWidth * sourceHeight > MaxSourcePixels || sourceWidth <= 0 || sourceHeight <= 0)
        {
            throw new ThumbnailException(true, "Content is too large to thumbnail.");
        }
        if (sourceWidth <= width && sourceHeight <= height)
        {
            return null;
        }

        // Decode the first frame only: thumbnails are static (spec allows ignoring animated=true).
        var info = new SKImageInfo(sourceWidth, sourceHeight, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var source = new SKBitmap(info);
        var result = codec.GetPixels(info, source.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            throw new ThumbnailException(false, "Cannot decode the image.");
        }

        int targetWidth, targetHeight;
        SKRectI crop;
        if (method == ThumbnailMethod.Scale)
        {
            // Fit within the box keeping the aspect ratio.
            double factor = Math.Min((double)width / sourceWidth, (double)height / sourceHeight);
            targetWidth = Math.Max(1, (int)Math.Round(sourceWidth * factor));
            targetHeight = Math.Max(1, (int)Math.Round(sourceHeight * factor));
            crop = new SKRectI(0, 0, sourceWidth, sourceHeight);
        }
        else
        {
            // Cover the box (never upscaling), then cut the centre to the box's aspect ratio.
            double factor = Math.Min(1.0, Math.Max((double)width / sourceWidth, (double)height / sourceHeight));
            targetWidth = Math.Min(width, Math.Max(1, (int)Math.Round(sourceWidth * factor)));
            targetHeight = Math.Min(height, Math.Max(1, (int)Math.Round(sourceHeight * factor)));
            int cropWidth = Math.Min(sourceWidth, (int)Math.Round(targetWidth / factor));
            int cropHeight = Math.Min(sourceHeight, (int)Math.Round(targetHeight / factor));
            int left = (sourceWidth - cropWidth) / 2;
            int top = (sourceHeight - cropHeight) / 2;
            crop = new SKRectI(left, top, left + cropWidth, top + cropHeight);
        }

        using var target = new SKBitmap(new SKImageInfo(targetWidth, targetHeight, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(target))
        using (var image = SKImage.FromBitmap(source))
        {
            canvas.DrawImage(image, SKRect.Create(crop.Left, crop.Top, crop.Width, crop.Height), SKRect.Create(targetWidth, targetHeight),
                new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        // PNG and GIF sources may be transparent: keep PNG for them, JPEG for photos.
        bool png = codec.EncodedFormat is SKEncodedImageFormat.Png or SKEncodedImageFormat.Gif or SKEncodedImageFormat.Webp;
        using var encoded = target.Encode(png ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg, 85)
            ?? throw new ThumbnailException(false, "Cannot encode the thumbnail.");
        return (encoded.ToArray(), png ? "image/png" : "image/jpeg", targetWidth, targetHeight);
    }

    /// <summary>The width and height an image declares, if it is in a format the renderer decodes (PNG, JPEG, WebP, GIF).</summary>
    public static (int Width, int Height)? ReadSize(Stream content)
    {
        using var codec = OpenCodec(content);
        return codec is { Info: { Width: > 0, Height: > 0 } info } ? (info.Width, info.Height) : null;
    }

    private static SKCodec? OpenCodec(Stream content)
    {
        var codec = SKCodec.Create(content);
        if (codec is null)
        {
            return null;
        }
        if (codec.EncodedFormat is not (SKEncodedImageFormat.Png or SKEncodedImageFormat.Jpeg or SKEncodedImageFormat.Webp or SKEncodedImageFormat.Gif))
        {
            codec.Dispose();
            return null;
        }
        return codec;
    }
}

/// <summary>spec: the thumbnail "method" parameter.</summary>
public enum ThumbnailMethod
{
    Crop,
    Scale,
}

/// <summary>Thumbnailing refused: <see cref="TooLarge"/> maps to 413 M_TOO_LARGE, otherwise 400 M_UNKNOWN.</summary>
public sealed class ThumbnailException(bool tooLarge, string message) : Exception(message)
{
    public bool TooLarge { get; } = tooLarge;
}
