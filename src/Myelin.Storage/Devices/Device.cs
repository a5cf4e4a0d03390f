using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Devices;

/// <summary>A user's device (one per login session). spec: client-server "Device management".</summary>
public sealed record Device(
    UserId UserId,
    DeviceId DeviceId,
    string? DisplayName,
    long CreatedTs,
    string? LastSeenIp,
    string? LastSeenUserAgent,
    long? LastSeenTs);
