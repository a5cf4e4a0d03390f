using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Federation.Events;

/// <summary>
/// The result of <see cref="FederationEventHandler.ReceivePduAsync"/>. <see cref="EventId"/> is null only when it
/// could not be determined (the PDU was unparseable or for an unknown room). <see cref="Pdu"/> is the event as
/// processed (the redacted copy when its content hash did not match); null when dropped. <see cref="AlreadyKnown"/>
/// says the event was stored before this call (nothing was done; the outcome is the stored one).
/// </summary>
public sealed record ReceivedPduResult(EventId? EventId, ReceivedPduOutcome Outcome, string? Error, Pdu? Pdu, bool AlreadyKnown = false)
{
    /// <summary>Accepted or soft-failed (both count as handled for the sending server).</summary>
    public bool IsHandled => Outcome is ReceivedPduOutcome.Accepted or ReceivedPduOutcome.SoftFailed;

    internal static ReceivedPduResult Dropped(EventId? eventId, string error) => new(eventId, ReceivedPduOutcome.Dropped, error, null);
}
