using System.Text.Json;
using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Federation.Sending;

/// <summary>
/// One destination's in-memory queue state: its ephemeral EDUs, the transaction in flight (kept until the
/// destination answers 200, so a retry sends the same ID and body), whether a worker runs, and the backoff.
/// All fields are guarded by <see cref="Lock"/>; only the worker touches <see cref="Pending"/>.
/// </summary>
internal sealed class DestinationQueue
{
    public DestinationQueue(ServerName destination) => Destination = destination;

    public ServerName Destination { get; }

    public Lock Lock { get; } = new();

    /// <summary>Typing, receipts and presence: memory only, oldest first.</summary>
    public List<QueuedEdu> Ephemeral { get; } = [];

    /// <summary>A worker loop is running for this destination (at most one: one transaction in flight).</summary>
    public bool Running { get; set; }

    /// <summary>Something was queued since the worker last looked.</summary>
    public bool Dirty { get; set; }

    /// <summary>Failed attempts in a row; 0 when the destination is up.</summary>
    public int Failures { get; set; }

    /// <summary>
    /// The destination may have a backlog from being unreachable (set at start and after each failure): the next
    /// transaction built checks the queue length for catch-up.
    /// </summary>
    public bool CatchingUp { get; set; } = true;

    /// <summary>When the next attempt may start; null when not backing off.</summary>
    public DateTimeOffset? RetryAt { get; set; }

    /// <summary>Completed to cut a backoff wait short (the destination was seen up).</summary>
    public TaskCompletionSource WakeUp { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The running worker loop (completed when none runs).</summary>
    public Task Worker { get; set; } = Task.CompletedTask;

    /// <summary>The transaction sent but not yet acknowledged.</summary>
    public PendingTransaction? Pending { get; set; }
}

/// <summary>An ephemeral EDU; EDUs with the same non-null <see cref="Key"/> replace each other (latest typing state of a user in a room, ...).</summary>
internal sealed record QueuedEdu(string EduType, JsonElement Content, string? Key);

/// <summary>A transaction that was built and must be retried as it is until the destination acknowledges it.</summary>
internal sealed record PendingTransaction(string TxnId, JsonElement Body, bool HasDurableItems, int PduCount, int EduCount);
