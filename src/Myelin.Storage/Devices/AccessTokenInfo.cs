using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Devices;

/// <summary>What an access token authenticates as. <see cref="ExpiresTs"/> is null for a non-expiring token.</summary>
public sealed record AccessTokenInfo(
    long TokenId,
    UserId UserId,
    DeviceId? DeviceId,
    bool IsGuest,
    long? ExpiresTs,
    long? RefreshTokenId)
{
    public bool IsExpiredAt(long nowTs) => ExpiresTs is { } expires && nowTs >= expires;
}
