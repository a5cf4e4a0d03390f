using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Rooms;
using Myelin.Storage.Events;
using Myelin.Storage.State;

namespace Myelin.Server.Tests.Federation.E2ee;

/// <summary>
/// Puts a remote user into a local room by persisting their join (signed by their server) straight into the room,
/// so that "shares a room" holds on the local server. A test shortcut for the device-list EDU tests: it skips the
/// make_join/send_join handshake, which these tests are not about.
/// </summary>
internal static class RemoteMembership
{
    public static async Task JoinAsync(FederatedHomeserver local, string roomId, FederatedHomeserver remote, UserId remoteUser)
    {
        var services = local.Server.Services;
        var writer = services.GetRequiredService<RoomEventWriter>();
        var database = local.Host.Database;
        var room = RoomId.Parse(roomId);
        var version = await services.GetRequiredService<RoomEvents>().GetRoomVersionAsync(room) ?? throw new InvalidOperationException("Unknown room.");
        var pdu = await writer.RunExclusiveAsync(room, async ct =>
        {
            var extremities = await database.Events.GetForwardExtremitiesAsync(room, ct);
            long depth = (await database.Events.GetEventsAsync(extremities, ct)).Values.Max(e => e.Depth);
            var group = await database.State.GetCurrentStateGroupAsync(room, ct) ?? throw new InvalidOperationException("No current state.");
            var join = PduBuilder.Build(new PduTemplate
            {
                RoomVersion = version,
                RoomId = room,
                Sender = remoteUser,
                Type = EventTypes.Member,
                StateKey = remoteUser.Value,
                Content = JsonSerializer.SerializeToElement(new { membership = "join" }),
                PrevEvents = extremities,
                Depth = depth + 1,
                OriginServerTs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            }, remote.ServerName, remote.SigningKey);
            await database.Events.PersistAsync(new PersistEventRequest(join) { StateBefore = new StateInput.Existing(group) }, ct);
            return join;
        }, CancellationToken.None);
        await writer.PublishPersistedAsync(pdu);
    }
}
