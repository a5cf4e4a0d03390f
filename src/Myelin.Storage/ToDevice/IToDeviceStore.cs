using Myelin.Protocol.Identifiers;
using Myelin.Storage.Streams;

namespace Myelin.Storage.ToDevice;

/// <summary>
/// Per-device inboxes on the to-device stream. Messages stay until the device acknowledges them by
/// syncing with a later token. spec: client-server "Send-to-Device messaging".
/// </summary>
public interface IToDeviceStore
{
    /// <summary>Queues the messages in one transaction; returns the last position used.</summary>
    Task<StreamPosition> AddAsync(IReadOnlyList<OutgoingToDeviceMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>Messages for the device with <paramref name="since"/> &lt; position ≤ <paramref name="upTo"/>, oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<ToDeviceMessage>> GetAsync(UserId userId, DeviceId deviceId, StreamPosition since, StreamPosition upTo, int limit, CancellationToken cancellationToken = default);

    /// <summary>Deletes the device's messages up to and including <paramref name="upTo"/> (delivered); returns how many.</summary>
    Task<int> DeleteUpToAsync(UserId userId, DeviceId deviceId, StreamPosition upTo, CancellationToken cancellationToken = default);
}
