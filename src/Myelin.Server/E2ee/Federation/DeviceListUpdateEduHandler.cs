using System.Text.Json;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Edus;

namespace Myelin.Server.E2ee.Federation;

/// <summary>Inbound <c>m.device_list_update</c>: applied to the remote device-list cache. spec: server-server "Device Management".</summary>
public sealed class DeviceListUpdateEduHandler(RemoteDeviceLists lists) : IEduHandler
{
    public string EduType => EduTypes.DeviceListUpdate;

    public Task HandleAsync(ServerName origin, JsonElement content, CancellationToken cancellationToken) =>
        lists.ApplyDeviceListUpdateAsync(origin, content, cancellationToken);
}
