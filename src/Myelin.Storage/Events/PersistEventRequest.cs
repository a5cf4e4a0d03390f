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
    /// For an <c>m.room.redaction</c>: whether it takes effect on the event it names (the default). From room v3 on,
    /// the auth rules accept every redaction and the receiving server decides: only a sender with the redact level or
    /// from the same server as the original's sender redacts it (spec: rooms/v3 "Handling redactions"). False stores
    /// the redaction without linking it to its target, so the target is never redacted by it.
    /// </summary>
    public bool AppliesRedaction { get; init; } = true;

    /// <summary>
    /// For an outlier <c>m.room.member</c> event of a room this server is not in (a remote invite, a rejection of
    /// one, a knock over federation): record it as the target's membership of the room, so /sync shows it.
    /// spec: server-server "Inviting to a room", "Leaving Rooms (Rejecting Invites)", "Knocking upon a room".
    /// </summary>
    public bool IsOutOfBandMembership { get; init; }

    /// <summary>
    /// The room's current state after this event. Null (the default) means "the state after this
    /// event" — right for events that extend the only forward extremity. After a fork, pass the
    /// resolved state of the new extremities.
    /// </summary>
    public StateInput? NewCurrentState { get; init; }

    /// <summary>Whether the event becomes the room's new forward extremity (false for backfilled history).</summary>
    public bool UpdateForwardExtremities { get; init; } = true;

    /// <summary>
    /// History fetched with <c>/backfill</c>: stored at a stream position below every live event (so stream readers such
    /// as /sync never take old history for new; <c>/messages</c> orders by depth first), with its state groups, but
    /// without touching the forward extremities or the current state. An event already stored as an outlier (e.g.
    /// room state received when joining) is promoted into the timeline instead of being left as it is.
    /// </summary>
    public bool IsBackfilled { get; init; }

    /// <summary>The sending device's transaction ID, for idempotent <c>PUT /send</c>.</summary>
    public TransactionKey? Transaction { get; init; }

    /// <summary>When the server received the event (ms since the epoch); defaults to now.</summary>
    public long? ReceivedTs { get; init; }

    public bool IsRejected => RejectionReason is not null;
}
