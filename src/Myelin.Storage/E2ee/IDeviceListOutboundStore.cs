using Myelin.Protocol.Identifiers;
using Myelin.Storage.Streams;

namespace Myelin.Storage.E2ee;

/// <summary>
/// What local users' device lists were last announced as to other servers (<c>m.device_list_update</c>,
/// <c>m.signing_key_update</c>), and how far the device-lists stream has been announced.
/// spec: server-server "Device Management".
/// </summary>
public interface IDeviceListOutboundStore
{
    /// <summary>The device-lists position up to which changes were announced (0 at first).</summary>
    Task<StreamPosition> GetCursorAsync(CancellationToken cancellationToken = default);

    Task SetCursorAsync(StreamPosition position, CancellationToken cancellationToken = default);

    /// <summary>The last announcement for the user, or null if none was made.</summary>
    Task<AnnouncedDeviceList?> GetAnnouncedAsync(UserId userId, CancellationToken cancellationToken = default);

    /// <summary>Records the user's last announced stream ID and what it described (JSON).</summary>
    Task SetAnnouncedAsync(UserId userId, long streamId, string snapshotJson, CancellationToken cancellationToken = default);
}

/// <summary>The stream ID of a user's last <c>m.device_list_update</c> and the device list it left (JSON text).</summary>
public sealed record AnnouncedDeviceList(long StreamId, string SnapshotJson);
