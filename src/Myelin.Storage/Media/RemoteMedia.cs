namespace Myelin.Storage.Media;

/// <summary>
/// A cached copy of remote media (or of one of its thumbnails); the bytes are in the remote media file store under
/// <see cref="Sha256"/>. <see cref="UploadName"/> is the file name the origin's <c>Content-Disposition</c> gave.
/// </summary>
public sealed record RemoteMedia(
    RemoteMediaKey Key,
    string? ContentType,
    string? UploadName,
    long Size,
    string Sha256,
    long FetchedTs,
    long LastAccessTs);
