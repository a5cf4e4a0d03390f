using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Acl;
using Myelin.Server.Federation.Authentication;
using Myelin.Server.Federation.Events;
using Myelin.Server.Http;
using Myelin.Server.Rooms;
using Myelin.Server.Visibility;
using Myelin.Storage.Events;

namespace Myelin.Server.FederationApi;

/// <summary>
/// <c>GET /_matrix/federation/v1/event/{eventId}</c>, <c>/state/{roomId}</c>, <c>/state_ids/{roomId}</c> and
/// <c>/event_auth/{roomId}/{eventId}</c>. spec: server-server "Retrieving events", "Retrieving event authorisation
/// information"; events.yaml, event_auth.yaml.
/// </summary>
public static class EventEndpoints
{
    public static RouteGroupBuilder MapFederationEventApi(this RouteGroupBuilder federation)
    {
        federation.MapGet("/v1/event/{eventId}", GetEventAsync).WithName("FederationGetEvent");
        federation.MapGet("/v1/state/{roomId}", GetStateAsync).WithName("FederationGetState");
        federation.MapGet("/v1/state_ids/{roomId}", GetStateIdsAsync).WithName("FederationGetStateIds");
        federation.MapGet("/v1/event_auth/{roomId}/{eventId}", GetEventAuthAsync).WithName("FederationGetEventAuth");
        return federation;
    }

    private static async Task<IResult> GetEventAsync(string eventId, FederationOrigin origin, RoomEvents events, ServerEventVisibility visibility,
        FederationEventReader reader, MyelinConfig config, TimeProvider time, CancellationToken cancellationToken)
    {
        var id = FederationRequestFields.PathEventId(eventId);
        var stored = await events.Database.Events.GetEventAsync(id, cancellationToken);
        if (stored is null || !FederationEventReader.IsServable(stored))
        {
            throw MatrixException.NotFound("Event not found.");
        }
        await visibility.EnsureMayReadRoomAsync(stored.RoomId, origin.ServerName, [stored], cancellationToken);
        var pdus = await reader.ToPdusAsync(stored.RoomId, origin.ServerName, [stored], applyVisibility: true, cancellationToken);
        return MatrixResults.Json(Transaction(config.ServerName, time, pdus));
    }

    private static async Task<IResult> GetStateAsync(string roomId, HttpRequest request, FederationOrigin origin, RoomEvents events,
        RoomServerAclCheck acl, ServerEventVisibility visibility, FederationEventReader reader, CancellationToken cancellationToken)
    {
        var (room, state) = await LoadStateAsync(roomId, request, origin, events, acl, visibility, cancellationToken);
        var stateEvents = await events.Database.Events.GetEventsAsync(state, cancellationToken);
        var ordered = state.Where(stateEvents.ContainsKey).Select(id => stateEvents[id]).ToList();
        var authChain = await reader.GetAuthChainAsync(room, await AuthEventsOfAsync(events, ordered, cancellationToken), cancellationToken);
        return MatrixResults.Json(new JsonObject
        {
            ["auth_chain"] = await reader.ToPdusAsync(room, origin.ServerName, authChain, applyVisibility: false, cancellationToken),
            ["pdus"] = await reader.ToPdusAsync(room, origin.ServerName, ordered, applyVisibility: false, cancellationToken),
        });
    }

    private static async Task<IResult> GetStateIdsAsync(string roomId, HttpRequest request, FederationOrigin origin, RoomEvents events,
        RoomServerAclCheck acl, ServerEventVisibility visibility, FederationEventReader reader, CancellationToken cancellationToken)
    {
        var (room, state) = await LoadStateAsync(roomId, request, origin, events, acl, visibility, cancellationToken);
        var stateEvents = await events.Database.Events.GetEventsAsync(state, cancellationToken);
        var present = state.Where(stateEvents.ContainsKey).Select(id => stateEvents[id]).ToList();
        var authChain = await reader.GetAuthChainAsync(room, await AuthEventsOfAsync(events, present, cancellationToken), cancellationToken);
        return MatrixResults.Json(new JsonObject
        {
            ["auth_chain_ids"] = new JsonArray([.. authChain.Select(e => (JsonNode)e.EventId.Value)]),
            ["pdu_ids"] = new JsonArray([.. present.Select(e => (JsonNode)e.EventId.Value)]),
        });
    }

    private static async Task<IResult> GetEventAuthAsync(string roomId, string eventId, FederationOrigin origin, RoomEvents events,
        RoomServerAclCheck acl, ServerEventVisibility visibility, FederationEventReader reader, CancellationToken cancellationToken)
    {
        var room = FederationRequestFields.PathRoomId(roomId);
        var id = FederationRequestFields.PathEventId(eventId);
        await acl.EnsureAllowedAsync(room, origin.ServerName, cancellationToken);
        var stored = await events.Database.Events.GetEventAsync(id, cancellationToken);
        if (stored is null || stored.RoomId != room || !FederationEventReader.IsServable(stored))
        {
            await visibility.EnsureMayReadRoomAsync(room, origin.ServerName, [], cancellationToken);
            throw MatrixException.NotFound("Event not found.");
        }
        await visibility.EnsureMayReadRoomAsync(room, origin.ServerName, [stored], cancellationToken);
        var pdu = await events.ToPduAsync(stored, cancellationToken);
        var chain = await reader.GetAuthChainAsync(room, pdu.AuthEvents, cancellationToken);
        return MatrixResults.Json(new JsonObject
        {
            ["auth_chain"] = await reader.ToPdusAsync(room, origin.ServerName, chain, applyVisibility: false, cancellationToken),
        });
    }

    /// <summary>
    /// The ACL, the event (in the room, with known state), the "origin is in the room" gate, then the state before the
    /// event: spec events.yaml "prior to considering any state changes induced by the requested event".
    /// </summary>
    private static async Task<(RoomId Room, List<EventId> State)> LoadStateAsync(string roomId, HttpRequest request, FederationOrigin origin,
        RoomEvents events, RoomServerAclCheck acl, ServerEventVisibility visibility, CancellationToken cancellationToken)
    {
        var room = FederationRequestFields.PathRoomId(roomId);
        var id = FederationRequestFields.QueryEventId(request.Query["event_id"], "event_id");
        await acl.EnsureAllowedAsync(room, origin.ServerName, cancellationToken);
        var stored = await events.Database.Events.GetEventAsync(id, cancellationToken);
        if (stored is null || stored.RoomId != room || !FederationEventReader.IsServable(stored))
        {
            // A server not in the room learns nothing, not even whether the event exists.
            await visibility.EnsureMayReadRoomAsync(room, origin.ServerName, [], cancellationToken);
            throw MatrixException.NotFound("Event not found.");
        }
        await visibility.EnsureMayReadRoomAsync(room, origin.ServerName, [stored], cancellationToken);
        var state = await events.Database.State.GetStateBeforeEventAsync(id, cancellationToken)
            ?? throw MatrixException.NotFound("The state at this event is not known.");
        return (room, [.. state.Values]);
    }

    private static async Task<List<EventId>> AuthEventsOfAsync(RoomEvents events, IReadOnlyList<StoredEvent> stateEvents, CancellationToken cancellationToken)
    {
        var ids = new List<EventId>();
        foreach (var e in stateEvents)
        {
            ids.AddRange((await events.ToPduAsync(e, cancellationToken)).AuthEvents);
        }
        return ids;
    }

    /// <summary>A transaction-shaped body. spec: definitions/transaction.yaml (origin, origin_server_ts, pdus).</summary>
    internal static JsonObject Transaction(ServerName origin, TimeProvider time, JsonArray pdus) => new()
    {
        ["origin"] = origin.Value,
        ["origin_server_ts"] = time.GetUtcNow().ToUnixTimeMilliseconds(),
        ["pdus"] = pdus,
    };
}
