namespace Myelin.Server.Federation.Events;

/// <summary>What became of a PDU received from another server. spec: server-server "Checks performed on receipt of a PDU".</summary>
public enum ReceivedPduOutcome
{
    /// <summary>Passed every check: stored, in the timeline, a forward extremity, published to clients.</summary>
    Accepted,

    /// <summary>
    /// Allowed by its auth events and the state before it but not by the room's current state (check 6): stored and
    /// used for state resolution, but not in the timeline, not a forward extremity, not published.
    /// </summary>
    SoftFailed,

    /// <summary>Failed check 4 or 5: stored with its rejection reason (so it is never fetched again), never served.</summary>
    Rejected,

    /// <summary>Not processed: malformed, badly signed, for a room this server does not know, or its auth events or
    /// the state before it could not be obtained. Nothing was stored.</summary>
    Dropped,
}
