using Myelin.Protocol.Identifiers;
using Myelin.Server.Streams;
using Myelin.Storage;
using Myelin.Storage.Events;
using Myelin.Storage.Streams;

namespace Myelin.Server.Timeline;

/// <summary>
/// Reads the pagination tokens /messages accepts: its own topological tokens (<c>t{depth}-{stream}</c>) and
/// /sync's tokens (<c>s...</c>, from <c>prev_batch</c>/<c>next_batch</c>), which name a stream position: they
/// become the topological position of the room's latest event at or before that position.
/// </summary>
public static class TimelineTokens
{
    /// <summary>
    /// Resolves <paramref name="token"/> to a topological bound; null when it is not a token this server issues.
    /// <paramref name="asUpperBound"/>: the bound must include the event at the position (a backwards <c>from</c>
    /// or a forwards <c>to</c>); otherwise it excludes it (a forwards <c>from</c> or backwards <c>to</c>).
    /// </summary>
    public static async Task<TopologicalToken?> ResolveAsync(MyelinDatabase database, RoomId roomId, string token, bool asUpperBound, CancellationToken cancellationToken)
    {
        if (TopologicalToken.TryParse(token, out var topological))
        {
            return topological;
        }
        if (!token.StartsWith('s') || !SyncToken.TryParse(token, out var sync))
        {
            return null;
        }
        var latest = await database.Events.GetRoomTimelineAsync(roomId, new StreamPosition(long.MinValue), new StreamPosition(sync.Events), 1, cancellationToken);
        if (latest.Events.Count == 0)
        {
            return TopologicalToken.Start;
        }
        var e = latest.Events[0];
        // Tokens are exclusive bounds ordered by (depth, stream): (depth, position + 1) lies just after every event
        // of that depth up to the position, (depth, position) just before the later ones.
        return new TopologicalToken(e.Depth, asUpperBound ? sync.Events + 1 : sync.Events);
    }
}
