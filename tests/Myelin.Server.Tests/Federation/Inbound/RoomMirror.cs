using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Rooms;
using Myelin.Storage;
using Myelin.Storage.Events;
using Myelin.Storage.State;
using Myelin.Storage.Streams;

namespace Myelin.Server.Tests.Federation.Inbound;

/// <summary>
/// Gives a second server a room another server holds, by copying the room's events with their states straight into
/// its database (standing in for a join), and adds events to it the same way — without publishing them, so nothing
/// is sent to other servers behind the test's back. The copy then serves the room over federation like any room.
/// </summary>
internal static class RoomMirror
{
    public static async Task CopyRoomAsync(FederatedHomeserver from, FederatedHomeserver to, RoomId room)
    {
        var source = from.Server.Services.GetRequiredService<MyelinDatabase>();
        var target = to.Server.Services.GetRequiredService<MyelinDatabase>();
        var record = (await source.Rooms.GetAsync(room))!;
        Assert.True(await target.Rooms.CreateAsync(room, record.RoomVersion, record.Creator, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        var timeline = await source.Events.GetRoomTimelineAsync(room, new StreamPosition(0), await source.Events.GetMaxStreamPositionAsync(), 1000);
        var targetEvents = to.Server.Services.GetRequiredService<RoomEvents>();
        foreach (var stored in timeline.Events.OrderBy(e => e.StreamPosition))
        {
            var before = await source.State.GetStateBeforeEventAsync(stored.EventId);
            var pdu = await targetEvents.ToPduAsync(stored);
            await target.Events.PersistAsync(new PersistEventRequest(pdu) { StateBefore = new StateInput.Full(before!) });
        }
    }

    /// <summary>Persists <paramref name="pdu"/> on <paramref name="server"/> as extending its forward extremities.</summary>
    public static async Task AppendAsync(FederatedHomeserver server, Pdu pdu)
    {
        var database = server.Server.Services.GetRequiredService<MyelinDatabase>();
        var group = await database.State.GetCurrentStateGroupAsync(pdu.RoomId);
        await database.Events.PersistAsync(new PersistEventRequest(pdu) { StateBefore = new StateInput.Existing(group!.Value) });
    }
}
