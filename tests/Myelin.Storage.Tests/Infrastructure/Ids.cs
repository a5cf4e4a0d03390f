using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Tests.Infrastructure;

internal static class Ids
{
    public static readonly ServerName Server = ServerName.Parse("example.org");

    public static UserId User(string localpart) => UserId.Create(localpart, Server);
    public static DeviceId Device(string id) => DeviceId.Parse(id);
    public static RoomId Room(string opaque) => RoomId.Parse($"!{opaque}:example.org");
    public static EventId Event(string opaque) => EventId.Parse($"${opaque}");
    public static RoomAlias Alias(string localpart) => RoomAlias.Parse($"#{localpart}:example.org");
}
