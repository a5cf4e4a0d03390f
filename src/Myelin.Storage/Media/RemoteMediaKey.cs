using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Media;

/// <summary>
/// One cached item of another server's media: the original (<see cref="Width"/> = <see cref="Height"/> = 0,
/// <see cref="Method"/> empty) or one thumbnail of it (size and <c>crop</c>/<c>scale</c>).
/// </summary>
public sealed record RemoteMediaKey(ServerName Origin, string MediaId, int Width, int Height, string Method)
{
    public static RemoteMediaKey Original(ServerName origin, string mediaId) => new(origin, mediaId, 0, 0, "");

    public static RemoteMediaKey Thumbnail(ServerName origin, string mediaId, int width, int height, string method) =>
        new(origin, mediaId, width, height, method);

    public bool IsThumbnail => Width > 0;
}
