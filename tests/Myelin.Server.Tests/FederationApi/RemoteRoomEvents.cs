using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Rooms;
using Myelin.Server.Tests.Federation;
using Myelin.Storage.Events;
using Myelin.Storage.State;

namespace Myelin.Server.Tests.FederationApi;

/// <summary>
/// Puts events signed by another server into a room of <c>local</c>, as the inbound intake would after checking them:
/// built on the room's forward extremities and current state, authorised with the real auth rules, persisted under the
/// room writer's lock. Used to get a remote server "in" a room before fed-inbound's /send is available.
/// </summary>
internal static class RemoteRoomEvents
{
    public static Task<Pdu> JoinAsync(FederatedHomeserver local, RoomId roomId, UserId user, SigningKey key) =>
        PersistAsync(local, roomId, user, key, EventTypes.Member, user.Value, new { membership = "join" });

    public static async Task<Pdu> PersistAsync(FederatedHomeserver local, RoomId roomId, UserId sender, SigningKey key, string type,
        string? stateKey, object content, bool softFailed = false)
    {
        var writer = local.Server.Services.GetRequiredService<RoomEventWriter>();
        var events = local.Server.Services.GetRequiredService<RoomEvents>();
        var contentElement = JsonSerializer.SerializeToElement(content);
        return await writer.RunExclusiveAsync(roomId, async ct =>
        {
            var db = events.Database;
            var version = (await events.GetRoomVersionAsync(roomId, ct))!;
            var stateIds = await db.State.GetCurrentStateAsync(roomId, ct);
            var group = (await db.State.GetCurrentStateGroupAsync(roomId, ct))!.Value;
            var extremities = await db.Events.GetForwardExtremitiesAsync(roomId, ct);
            var loaded = await events.GetPdusAsync([.. stateIds.Values, .. extremities], ct);
            var state = stateIds.ToDictionary(p => p.Key, p => loaded[p.Value]);
            var authEvents = AuthEventSelection.SelectKeys(version, type, stateKey, sender, contentElement)
                .Where(state.ContainsKey).Select(k => state[k].EventId).ToList();
            var pdu = PduBuilder.Build(new PduTemplate
            {
                RoomVersion = version,
                RoomId = roomId,
                Sender = sender,
                Type = type,
                StateKey = stateKey,
                Content = contentElement,
                PrevEvents = extremities,
                AuthEvents = authEvents,
                Depth = extremities.Max(id => loaded[id].Depth) + 1,
                OriginServerTs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            }, sender.Server, key);
            var auth = AuthRules.Check(pdu, state);
            Assert.True(auth.IsAllowed, auth.ToString());
            await db.Events.PersistAsync(new PersistEventRequest(pdu)
            {
                StateBefore = new StateInput.Existing(group),
                IsSoftFailed = softFailed,
                UpdateForwardExtremities = !softFailed,
            }, ct);
            events.Remember(pdu);
            return pdu;
        }, CancellationToken.None);
    }
}
