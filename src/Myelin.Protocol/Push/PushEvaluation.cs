namespace Myelin.Protocol.Push;

/// <summary>
/// The outcome of evaluating a recipient's push rules for one event: the first enabled rule that
/// matched (or none) and what its actions mean. A value type, so evaluating allocates nothing.
/// </summary>
public readonly record struct PushEvaluation(PushRule? Rule)
{
    /// <summary>Whether any enabled rule matched.</summary>
    public bool Matched => Rule is not null;

    /// <summary>Whether to notify (count the event and push it). No match means no notification (spec: push "Push Rules").</summary>
    public bool Notify => Rule?.Notify ?? false;

    /// <summary>The <c>highlight</c> tweak; false when absent.</summary>
    public bool Highlight => Rule?.Highlight ?? false;

    /// <summary>The <c>sound</c> tweak, if any.</summary>
    public string? Sound => Rule?.Sound;

    /// <summary>The matched rule's actions (the tweaks to send to the push gateway); empty when none matched.</summary>
    public IReadOnlyList<PushAction> Actions => Rule?.Actions ?? [];
}
