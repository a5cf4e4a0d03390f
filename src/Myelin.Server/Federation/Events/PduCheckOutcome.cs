namespace Myelin.Server.Federation.Events;

public enum PduCheckOutcome
{
    /// <summary>Valid format, valid signatures, matching content hash: process the event as received.</summary>
    Accepted,

    /// <summary>Valid signatures but the content hash does not match: process the redacted copy instead.</summary>
    Redacted,

    /// <summary>Malformed or not validly signed: drop the event.</summary>
    Dropped,
}
