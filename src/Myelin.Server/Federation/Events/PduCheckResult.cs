using Myelin.Protocol.Events;

namespace Myelin.Server.Federation.Events;

/// <summary>
/// The result of the first three receive checks on a PDU. <see cref="Pdu"/> is what to process further: the event
/// as received, or its redacted copy when the hash did not match; null when it was dropped.
/// </summary>
public sealed record PduCheckResult(PduCheckOutcome Outcome, Pdu? Pdu, string? Reason)
{
    public static PduCheckResult Dropped(string reason) => new(PduCheckOutcome.Dropped, null, reason);
}
