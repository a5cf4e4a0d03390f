using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Media;

/// <summary>
/// One media item uploaded to this server. <see cref="Sha256"/> is null while an async upload
/// (spec: "POST /_matrix/media/v1/create") waits for its bytes.
/// </summary>
public sealed record LocalMedia(
    string MediaId,
    UserId Uploader,
    string? ContentType,
    string? UploadName,
    long? Size,
    string? Sha256,
    long CreatedTs,
    long? UnusedExpiresTs,
    bool Quarantined)
{
    public bool IsUploaded => Sha256 is not null;
}
