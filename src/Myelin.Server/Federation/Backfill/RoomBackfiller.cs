using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Client;
using Myelin.Server.Federation.Events;
using Myelin.Server.Rooms;
using Myelin.Storage.Events;

namespace Myelin.Server.Federation.Backfill;

/// <summary>
/// Fetches older history of a room from other servers in it when our timeline starts with a gap (we joined late, or
/// hold only part of the DAG): the prev_events of our oldest timeline events that we do not hold are asked for with
/// <c>/backfill</c>, and the answer is received as backfilled history. Used by client <c>/messages</c> when paginating
/// backwards runs out. spec: server-server "Backfilling and retrieving missing events".
/// </summary>
public sealed partial class RoomBackfiller
{
    /// <summary>Events asked for per request (Synapse asks for 100 as well).</summary>
    public const int Limit = 100;

    /// <summary>Servers tried per backfill, in order of how many joined members they have.</summary>
    public const int MaxServersTried = 3;

    /// <summary>How many of our oldest timeline events are examined for missing prev_events.</summary>
    private const int OldestEventsExamined = 20;

    /// <summary>At most this many event IDs are sent as <c>v</c>.</summary>
    private const int MaxBackfillPoints = 10;

    private readonly RoomEvents _events;
    private readonly FederationEventHandler _handler;
    private readonly FederationClient _client;
    private readonly MyelinConfig _config;
    private readonly ILogger<RoomBackfiller> _logger;

    public RoomBackfiller(RoomEvents events, FederationEventHandler handler, FederationClient client, MyelinConfig config, ILogger<RoomBackfiller> logger)
    {
        _events = events;
        _handler = handler;
        _client = client;
        _config = config;
        _logger = logger;
    }

    /// <summary>
    /// One backfill request for the room (to the first of up to <see cref="MaxServersTried"/> servers that answers with
    /// events); true when new history was stored. False when our timeline already starts at the room's creation, no other
    /// server is in the room, or none gave us anything.
    /// </summary>
    public async Task<bool> TryBackfillAsync(RoomId roomId, CancellationToken cancellationToken)
    {
        var points = await GetBackwardExtremitiesAsync(roomId, cancellationToken);
        if (points.Count == 0)
        {
            return false;
        }
        string query = string.Join('&', points.Select(p => "v=" + Uri.EscapeDataString(p.Value)));
        string path = string.Create(CultureInfo.InvariantCulture,
            $"/_matrix/federation/v1/backfill/{Uri.EscapeDataString(roomId.Value)}?{query}&limit={Limit}");
        foreach (var server in (await GetServersAsync(roomId, cancellationToken)).Take(MaxServersTried))
        {
            JsonElement response;
            try
            {
                response = await _client.GetAsync(server, path, cancellationToken);
            }
            catch (FederationRequestException e)
            {
                LogBackfillFailed(_logger, roomId.Value, server.Value, e.Message);
                continue;
            }
            if (response.ValueKind != JsonValueKind.Object || !response.TryGetProperty("pdus", out var pdus) || pdus.ValueKind != JsonValueKind.Array)
            {
                LogBackfillFailed(_logger, roomId.Value, server.Value, "the answer has no pdus array");
                continue;
            }
            var results = await _handler.ReceiveBackfillAsync(server, roomId, [.. pdus.EnumerateArray().Take(Limit)], cancellationToken);
            int stored = results.Count(r => !r.AlreadyKnown && r.Outcome is ReceivedPduOutcome.Accepted);
            LogBackfilled(_logger, roomId.Value, server.Value, stored, results.Count);
            if (stored > 0)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The prev_events of our oldest timeline events that we do not hold in the DAG (unknown, or only as outliers).</summary>
    public async Task<IReadOnlyList<EventId>> GetBackwardExtremitiesAsync(RoomId roomId, CancellationToken cancellationToken)
    {
        var database = _events.Database;
        var oldest = await database.Events.PaginateAsync(roomId, TopologicalToken.Start, PaginationDirection.Forwards, OldestEventsExamined, cancellationToken: cancellationToken);
        var points = new List<EventId>();
        // Our timeline starts at the room's creation: nothing is missing before it.
        if (oldest.Events.Count == 0 || (oldest.Events[0].Type == EventTypes.Create && oldest.Events[0].StateKey == ""))
        {
            return points;
        }
        foreach (var e in oldest.Events)
        {
            var pdu = await _events.ToPduAsync(e, cancellationToken);
            foreach (var prev in pdu.PrevEvents)
            {
                if (!points.Contains(prev) && await database.State.GetEventStateGroupsAsync(prev, cancellationToken) is null)
                {
                    points.Add(prev);
                }
            }
            if (points.Count >= MaxBackfillPoints)
            {
                break;
            }
        }
        return points.Take(MaxBackfillPoints).ToList();
    }

    /// <summary>The other servers with joined members, most members first.</summary>
    private async Task<IReadOnlyList<ServerName>> GetServersAsync(RoomId roomId, CancellationToken cancellationToken)
    {
        var members = await _events.Database.Memberships.GetMembersAsync(roomId, Myelin.Protocol.Authorization.Membership.Join, cancellationToken);
        return members.Select(m => m.Server).Where(s => s != _config.ServerName)
            .GroupBy(s => s).OrderByDescending(g => g.Count()).ThenBy(g => g.Key.Value, StringComparer.Ordinal).Select(g => g.Key).ToList();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Backfilled room {RoomId} from {Server}: {Stored} new of {Received} events")]
    private static partial void LogBackfilled(ILogger logger, string roomId, string server, int stored, int received);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backfill of room {RoomId} from {Server} failed: {Error}")]
    private static partial void LogBackfillFailed(ILogger logger, string roomId, string server, string error);
}
