using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Devices;

/// <summary>A stored refresh token (only its SHA-256 is kept). spec: client-server "Refreshing access tokens".</summary>
public sealed record RefreshTokenInfo(long TokenId, UserId UserId, DeviceId DeviceId, long? ExpiresTs)
{
    public bool IsExpiredAt(long nowTs) => ExpiresTs is { } expires && nowTs >= expires;
}
