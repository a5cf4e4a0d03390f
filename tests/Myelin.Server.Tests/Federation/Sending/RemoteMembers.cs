using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Rooms;
using Myelin.Storage.Events;
using Myelin.Storage.State;

namespace Myelin.Server.Tests.Federation.Sending;

/// <summary>
/// Puts a remote user's join into a room of <paramref name="home"/> as if it had arrived over federation: built and
/// signed by the remote server's key, checked by the auth rules and persisted through the room writer's exclusive
/// section (the path the inbound /send takes). Lets sender tests have remote servers in a room before joins over
/// federation exist.
/// </summary>
public static class RemoteMembers
{
    public static async Task<Pdu> JoinAsync(IServiceProvider services, RoomId roomId, UserId user, SigningKey remoteKey)
    {
        var writer = services.GetRequiredService<RoomEventWriter>();
        var events = services.GetRequiredService<RoomEvents>();
        var state = await writer.GetCurrentStateAsync(roomId, CancellationToken.None);
        var pdu = await writer.RunExclusiveAsync(roomId, async ct =>
        {
            var db = events.Database;
            var version = (await events.GetRoomVersionAsync(roomId, ct))!;
            var group = await db.State.GetCurrentStateGroupAsync(roomId, ct);
            var extremities = await db.Events.GetForwardExtremitiesAsync(roomId, ct);
            var prev = await events.GetPdusAsync(extremities, ct);
            var content = JsonDocument.Parse("{\"membership\":\"join\"}").RootElement.Clone();
            var authKeys = AuthEventSelection.SelectKeys(version, EventTypes.Member, user.Value, user, content);
            var template = new PduTemplate
            {
                RoomVersion = version,
                RoomId = roomId,
                Sender = user,
                Type = EventTypes.Member,
                StateKey = user.Value,
                Content = content,
                PrevEvents = extremities,
                AuthEvents = authKeys.Where(state.ContainsKey).Select(k => state[k].EventId).ToArray(),
                Depth = prev.Values.Max(p => p.Depth) + 1,
                OriginServerTs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            };
            var built = PduBuilder.Build(template, user.Server, remoteKey);
            var auth = AuthRules.Check(built, key => state.GetValueOrDefault(key));
            Assert.False(auth.IsRejected, auth.Message);
            await db.Events.PersistAsync(new PersistEventRequest(built) { StateBefore = new StateInput.Existing(group!.Value) }, ct);
            events.Remember(built);
            return built;
        }, CancellationToken.None);
        await writer.PublishPersistedAsync(pdu);
        return pdu;
    }
}
