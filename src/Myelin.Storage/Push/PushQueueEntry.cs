using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Push;

/// <summary>
/// One push still to deliver: an event that notified <see cref="Pusher"/>'s user, with the matched rule's actions
/// (for the tweaks) and whether the user still has it unread.
/// </summary>
public sealed record PushQueueEntry
{
    public required long Id { get; init; }
    public required Pusher Pusher { get; init; }
    public required EventId EventId { get; init; }
    /// <summary>The push-rule actions as a JSON array (<c>["notify"]</c> when the history row is gone).</summary>
    public required string Actions { get; init; }
    /// <summary>False once a read receipt cleared the event's push action: such a push is dropped, not sent.</summary>
    public bool IsUnread { get; init; }
    public int Attempts { get; init; }
    public long CreatedTs { get; init; }
}
