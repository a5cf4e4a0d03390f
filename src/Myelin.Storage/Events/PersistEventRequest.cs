using Myelin.Protocol.Events;
using Myelin.Storage.State;

namespace Myelin.Storage.Events;

/// <summary>
/// One event to persist, with everything that must commit together with it: its state, the room's
/// new current state, forward extremities, membership and the client transaction ID.
/// </summary>
public sealed record PersistEventRequest(Pdu Event)
{
    /// <summary>
    /// The room state before the event (required unless <see cref="IsOutlier"/>). The state after
    /// is derived: this state plus the event itself when it is an accepted state event.
    /// </summary>
    public StateInput? StateBefore { get; init; }

    /// <summary>Stored without state or a place in the timeline (auth chains, out-of-band invites).</summary>
    public bool IsOutlier { get; init; }

    /// <summary>Failed the auth checks: stored so it is not fetched again, never served or used as state.</summary>
    public string? RejectionReason { get; init; }

    public bool IsSoftFailed { get; init; }

    /// <summary>
    /// The room's current state after this event. Null (the default) means "the state after this
    /// event" — right for events that extend the only forward extremity. After a fork, pass the
    /// resolved state of the new extremities.
    /// </summary>
    public StateInput? NewCurrentState { get; init; }

    /// <summary>Whether the event becomes the room's new forward extremity (false for backfilled history).</summary>
    public bool UpdateForwardExtremities { get; init; } = true;

    /// <summary>The sending device's transaction ID, for idempotent <c>PUT /send</c>.</summary>
    public TransactionKey? Transaction { get; init; }

    /// <summary>When the server received the event (ms since the epoch); defaults to now.</summary>
    public long? ReceivedTs { get; init; }

    public bool IsRejected => RejectionReason is not null;
}
