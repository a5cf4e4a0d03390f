namespace Myelin.Storage.Media;

/// <summary>A cached thumbnail of a local media item; its bytes are in the media file store under <see cref="Sha256"/>.</summary>
public sealed record MediaThumbnail(string MediaId, int Width, int Height, string Method, bool Animated, string ContentType, long Size, string Sha256);
