using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Rooms;
using Myelin.Server.Events;
using Myelin.Server.Http;
using Myelin.Server.Streams;
using Myelin.Server.Sync;
using Myelin.Server.Timeline;
using Myelin.Server.Visibility;
using Myelin.Storage.Memberships;

namespace Myelin.Server.ClientApi.Timeline;

/// <summary>
/// The deprecated pre-/sync APIs older clients still call (spec: old_sync.yaml, room_initial_sync.yaml, peeking_events.yaml):
/// GET /initialSync, GET /rooms/{roomId}/initialSync, GET /events (long-poll) and GET /events/{eventId}.
/// </summary>
public static class LegacySyncEndpoints
{
    private const int DefaultMessageLimit = 10;
    private const int DefaultTimeoutMs = 30_000;
    private const int MaxTimeoutMs = 300_000;

    public static IEndpointRouteBuilder MapLegacySyncApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("GET", "/initialSync", GetInitialSyncAsync);
        app.MapV3("GET", "/rooms/{roomId}/initialSync", GetRoomInitialSyncAsync);
        app.MapV3("GET", "/events", GetEventsAsync);
        app.MapV3("GET", "/events/{eventId}", GetEventAsync);
        return app;
    }

    private static async Task<IResult> GetInitialSyncAsync(HttpRequest request, Requester requester, RoomSnapshots snapshots, SyncService sync,
        RoomEvents events, ClientEvents clientEvents, CancellationToken cancellationToken)
    {
        int limit = TimelineQuery.Limit(request, DefaultMessageLimit);
        bool archived = TimelineQuery.Boolean(request, "archived");
        var database = events.Database;
        var now = await sync.GetCurrentTokenAsync(cancellationToken);

        var rooms = new JsonArray();
        var forgotten = archived ? new HashSet<RoomId>(await database.ForgottenRooms.GetForgottenRoomsAsync(requester.UserId, cancellationToken)) : [];
        var contacts = new HashSet<UserId> { requester.UserId };
        foreach (var membership in await database.Memberships.GetMembershipsForUserAsync(requester.UserId, cancellationToken))
        {
            switch (membership.Membership)
            {
                case Membership.Join:
                    contacts.UnionWith(await database.Memberships.GetMembersAsync(membership.RoomId, Membership.Join, cancellationToken));
                    break;
                case Membership.Invite:
                    // spec: RoomInfo "invite": the invite event when membership is invite.
                    var invite = await database.Events.GetEventAsync(membership.EventId, cancellationToken);
                    var entry = new JsonObject { ["room_id"] = membership.RoomId.Value, ["membership"] = Membership.Invite };
                    if (invite is not null)
                    {
                        entry["invite"] = await clientEvents.SerializeOneAsync(invite, requester, cancellationToken: cancellationToken);
                    }
                    rooms.Add(entry);
                    continue;
                case Membership.Leave or Membership.Ban when archived && !forgotten.Contains(membership.RoomId):
                    break;
                default:
                    continue; // spec: left rooms only with archived=true (and not forgotten); knocks are not part of this API
            }
            if (await snapshots.BuildAsync(requester, membership.RoomId, membership, limit, now, includeEphemeral: false, cancellationToken) is { } snapshot)
            {
                rooms.Add(snapshot);
            }
        }
        return MatrixResults.Json(new JsonObject
        {
            ["end"] = now.ToString(),
            ["rooms"] = rooms,
            ["presence"] = snapshots.PresenceEvents(contacts.OrderBy(u => u.Value, StringComparer.Ordinal)),
            ["account_data"] = await snapshots.GetAccountDataAsync(requester.UserId, null, cancellationToken),
        });
    }

    private static async Task<IResult> GetRoomInitialSyncAsync(string roomId, HttpRequest request, Requester requester, RoomSnapshots snapshots,
        SyncService sync, RoomEvents events, CancellationToken cancellationToken)
    {
        var room = TimelineQuery.RoomId(roomId);
        int limit = TimelineQuery.Limit(request, DefaultMessageLimit);
        var now = await sync.GetCurrentTokenAsync(cancellationToken);
        MembershipRecord? membership = await events.Database.Memberships.GetMembershipAsync(room, requester.UserId, cancellationToken);
        var snapshot = await snapshots.BuildAsync(requester, room, membership, limit, now, includeEphemeral: true, cancellationToken)
            // spec: 403 "You aren't a member of the room and weren't previously a member of the room."
            ?? throw MatrixException.Forbidden($"{requester.UserId} is not and was not in the room {room}, and it is not world-readable.");
        return MatrixResults.Json(snapshot);
    }

    private static async Task<IResult> GetEventsAsync(HttpRequest request, Requester requester, EventStream stream, HistoryVisibility visibility,
        ClientEvents clientEvents, CancellationToken cancellationToken)
    {
        string? fromText = request.Query["from"];
        SyncToken? from = null;
        if (!string.IsNullOrEmpty(fromText))
        {
            // spec: 400 "Bad pagination from parameter".
            from = SyncToken.TryParse(fromText, out var parsed) && fromText[0] == 's'
                ? parsed
                : throw MatrixException.InvalidParam("'from' is not a valid event stream token.");
        }
        int timeout = DefaultTimeoutMs;
        string? timeoutText = request.Query["timeout"];
        if (!string.IsNullOrEmpty(timeoutText))
        {
            if (!long.TryParse(timeoutText, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            {
                throw MatrixException.InvalidParam("'timeout' must be a non-negative integer (milliseconds).");
            }
            timeout = (int)Math.Min(value, MaxTimeoutMs);
        }
        RoomId? peek = null;
        string? roomText = request.Query["room_id"];
        if (!string.IsNullOrEmpty(roomText))
        {
            // spec: peeking_events.yaml: the events of one room the user may view (world-readable, or theirs).
            var room = TimelineQuery.RoomId(roomText);
            await TimelineQuery.RequireReadAccessAsync(visibility, requester.UserId, room, cancellationToken);
            peek = room;
        }

        var page = await stream.ReadAsync(requester.UserId, from, peek, TimeSpan.FromMilliseconds(timeout), cancellationToken);
        var chunk = await clientEvents.SerializeAsync(page.Events, requester, includeRoomId: true, null, cancellationToken);
        return MatrixResults.Json(new JsonObject
        {
            // spec: start "is usually the same token supplied to from=".
            ["start"] = fromText is { Length: > 0 } ? fromText : page.Start.ToString(),
            ["end"] = page.End.ToString(),
            ["chunk"] = ClientEvents.ToJsonArray(chunk),
        });
    }

    private static async Task<IResult> GetEventAsync(string eventId, Requester requester, RoomEvents events, HistoryVisibility visibility,
        ClientEvents clientEvents, CancellationToken cancellationToken)
    {
        var id = TimelineQuery.EventId(eventId);
        var stored = await events.Database.Events.GetEventAsync(id, cancellationToken);
        // As GET /rooms/{roomId}/event/{eventId}: unknown and invisible events are both 404.
        if (stored is null || !await visibility.CanSeeEventAsync(requester.UserId, stored, cancellationToken, filterIgnored: false))
        {
            throw MatrixException.NotFound("Event not found.");
        }
        return MatrixResults.Json(await clientEvents.SerializeOneAsync(stored, requester, cancellationToken: cancellationToken));
    }
}
