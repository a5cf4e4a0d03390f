using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Events;
using Myelin.Server.Http;
using Myelin.Server.Rooms;
using Myelin.Server.Streams;
using Myelin.Storage.Events;
using Myelin.Storage.Streams;

namespace Myelin.Server.ClientApi.Rooms;

/// <summary>
/// Reading room state and members. spec: client-server "Getting events for a room"; openapi rooms.yaml
/// (<c>/state</c>, <c>/state/{eventType}/{stateKey}</c>, <c>/members</c>, <c>/joined_members</c>).
/// </summary>
public static class RoomStateEndpoints
{
    private static readonly string[] Memberships = [Membership.Join, Membership.Invite, Membership.Leave, Membership.Ban, Membership.Knock];

    public static IEndpointRouteBuilder MapRoomStateApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("GET", "/rooms/{roomId}/state", GetStateAsync);
        app.MapV3("GET", "/rooms/{roomId}/state/{eventType}/{**stateKey}", GetStateEventAsync);
        app.MapV3("GET", "/rooms/{roomId}/members", GetMembersAsync);
        app.MapV3("GET", "/rooms/{roomId}/joined_members", GetJoinedMembersAsync);
        return app;
    }

    private static async Task<IResult> GetStateAsync(string roomId, HttpContext context, Requester requester, RoomStateAccess access,
        RoomEvents events, ClientEvents serving)
    {
        var room = RequestFields.ParseRoomId(roomId);
        var state = await access.GetReadableStateAsync(requester.UserId, room, context.RequestAborted);
        var stored = await LoadOrderedAsync(events, state.OrderBy(s => s.Key.Type, StringComparer.Ordinal).ThenBy(s => s.Key.Key, StringComparer.Ordinal)
            .Select(s => s.Value).ToArray(), context.RequestAborted);
        var serialized = await serving.SerializeAsync(stored, requester, cancellationToken: context.RequestAborted);
        return MatrixResults.Json(ClientEvents.ToJsonArray(serialized));
    }

    private static async Task<IResult> GetStateEventAsync(string roomId, string eventType, string? stateKey, string? format, HttpContext context,
        Requester requester, RoomStateAccess access, RoomEvents events, ClientEvents serving)
    {
        var room = RequestFields.ParseRoomId(roomId);
        if (format is not (null or "content" or "event"))
        {
            throw MatrixException.InvalidParam($"'format' must be 'content' or 'event', not '{format}'.");
        }
        var state = await access.GetReadableStateAsync(requester.UserId, room, context.RequestAborted);
        if (!state.TryGetValue(new StateKey(eventType, stateKey ?? ""), out var eventId) ||
            await events.Database.Events.GetEventAsync(eventId, context.RequestAborted) is not { } stored)
        {
            throw MatrixException.NotFound($"The room has no {eventType} state with key '{stateKey ?? ""}'.");
        }
        var serialized = await serving.SerializeOneAsync(stored, requester, cancellationToken: context.RequestAborted);
        return MatrixResults.Json(format == "event" ? serialized : serialized["content"]?.DeepClone() ?? new JsonObject());
    }

    private static async Task<IResult> GetMembersAsync(string roomId, string? at, string? membership, string? not_membership, HttpContext context,
        Requester requester, RoomStateAccess access, RoomEvents events, ClientEvents serving)
    {
        var room = RequestFields.ParseRoomId(roomId);
        if (membership is not null && !Memberships.Contains(membership))
        {
            throw MatrixException.InvalidParam($"'membership' must be one of {string.Join(", ", Memberships)}.");
        }
        if (not_membership is not null && !Memberships.Contains(not_membership))
        {
            throw MatrixException.InvalidParam($"'not_membership' must be one of {string.Join(", ", Memberships)}.");
        }
        StreamPosition? atPosition = null;
        if (at is not null)
        {
            if (!SyncToken.TryParse(at, out var token))
            {
                throw MatrixException.InvalidParam($"'at' is not a valid sync token: '{at}'.");
            }
            atPosition = new StreamPosition(token.Events);
        }

        var state = await access.GetReadableStateAsync(requester.UserId, room, context.RequestAborted);
        var memberIds = new List<EventId>();
        if (atPosition is { } position)
        {
            // spec: "at": the members as of that point in the room's history (never past the requester's own leave).
            var own = await events.Database.Memberships.GetMembershipAsync(room, requester.UserId, context.RequestAborted);
            if (own is not null && own.Membership != Membership.Join && own.StreamPosition.Value < position.Value)
            {
                position = own.StreamPosition;
            }
            foreach (var key in state.Keys.Where(k => k.Type == EventTypes.Member))
            {
                if (UserId.TryParse(key.Key, out var user) &&
                    await events.Database.Memberships.GetMembershipAtAsync(room, user, position, context.RequestAborted) is { } record)
                {
                    memberIds.Add(record.EventId);
                }
            }
        }
        else
        {
            memberIds.AddRange(state.Where(s => s.Key.Type == EventTypes.Member).OrderBy(s => s.Key.Key, StringComparer.Ordinal).Select(s => s.Value));
        }

        var stored = await LoadOrderedAsync(events, memberIds, context.RequestAborted);
        var filtered = new List<StoredEvent>(stored.Count);
        foreach (var e in stored)
        {
            var pdu = await events.ToPduAsync(e, context.RequestAborted);
            string? value = pdu.Content.ValueKind == System.Text.Json.JsonValueKind.Object && pdu.Content.TryGetProperty("membership", out var m) &&
                m.ValueKind == System.Text.Json.JsonValueKind.String ? m.GetString() : null;
            if ((membership is null || value == membership) && (not_membership is null || value != not_membership))
            {
                filtered.Add(e);
            }
        }
        var serialized = await serving.SerializeAsync(filtered, requester, cancellationToken: context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["chunk"] = ClientEvents.ToJsonArray(serialized) });
    }

    private static async Task<IResult> GetJoinedMembersAsync(string roomId, HttpContext context, Requester requester, RoomStateAccess access, RoomEvents events)
    {
        var room = RequestFields.ParseRoomId(roomId);
        // spec: joined_members is for the room's current members only.
        await access.RequireJoinedAsync(requester.UserId, room, context.RequestAborted);
        var database = events.Database;
        var joined = await database.Memberships.GetMembersAsync(room, Membership.Join, context.RequestAborted);
        var result = new JsonObject();
        foreach (var user in joined)
        {
            var member = new JsonObject();
            var eventId = await database.State.GetCurrentStateEventIdAsync(room, new StateKey(EventTypes.Member, user.Value), context.RequestAborted);
            if (eventId is { } id && await events.GetPduAsync(id, context.RequestAborted) is { } pdu && pdu.Content.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                if (pdu.Content.TryGetProperty("displayname", out var name) && name.ValueKind == System.Text.Json.JsonValueKind.String)
                {
                    member["display_name"] = name.GetString();
                }
                if (pdu.Content.TryGetProperty("avatar_url", out var avatar) && avatar.ValueKind == System.Text.Json.JsonValueKind.String)
                {
                    member["avatar_url"] = avatar.GetString();
                }
            }
            result[user.Value] = member;
        }
        return MatrixResults.Json(new JsonObject { ["joined"] = result });
    }

    /// <summary>The stored events in the given order (missing ones skipped).</summary>
    private static async Task<IReadOnlyList<StoredEvent>> LoadOrderedAsync(RoomEvents events, IReadOnlyList<EventId> ids, CancellationToken cancellationToken)
    {
        var loaded = await events.Database.Events.GetEventsAsync(ids, cancellationToken);
        return [.. ids.Where(loaded.ContainsKey).Select(id => loaded[id])];
    }
}
