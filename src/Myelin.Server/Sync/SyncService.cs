using Myelin.Protocol.Authorization;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Ephemeral;
using Myelin.Server.Presence;
using Myelin.Server.Streams;
using Myelin.Storage;

namespace Myelin.Server.Sync;

/// <summary>
/// <c>GET /sync</c>: answers at once when anything changed for the user since the token, otherwise waits (long-poll)
/// until the <see cref="Notifier"/> wakes it or the timeout passes. The waiter is registered BEFORE the streams are
/// read, so a change committed while an answer is being computed still wakes the request.
/// spec: client-server "Syncing".
/// </summary>
public sealed class SyncService
{
    private readonly MyelinDatabase _database;
    private readonly Notifier _notifier;
    private readonly PresenceTracker _presence;
    private readonly LazyLoadedMembers _lazyMembers;
    private readonly SyncComputer _computer;
    private readonly TimeProvider _time;

    public SyncService(MyelinDatabase database, Notifier notifier, PresenceTracker presence, LazyLoadedMembers lazyMembers, SyncComputer computer, TimeProvider time)
    {
        _database = database;
        _notifier = notifier;
        _presence = presence;
        _lazyMembers = lazyMembers;
        _computer = computer;
        _time = time;
    }

    public async Task<SyncResult> SyncAsync(SyncRequest request, CancellationToken cancellationToken)
    {
        var user = request.Requester.UserId;
        await _presence.SyncedAsync(user, request.SetPresence);
        if (request.Since is null)
        {
            _lazyMembers.Reset(user, request.Requester.DeviceId);
        }
        if (request.Since is null || request.FullState || request.Timeout <= TimeSpan.Zero)
        {
            return await _computer.ComputeAsync(request, cancellationToken);
        }

        var deadline = _time.GetUtcNow() + request.Timeout;
        while (true)
        {
            var joined = await _database.Memberships.GetRoomsForUserAsync(user, Membership.Join, cancellationToken);
            using var waiter = _notifier.Register(user, joined);
            var result = await _computer.ComputeAsync(request, cancellationToken);
            if (!result.IsEmpty)
            {
                return result;
            }
            var remaining = deadline - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero || !await waiter.WaitAsync(remaining, cancellationToken))
            {
                return result;
            }
        }
    }

    /// <summary>The current position of every stream (what an empty initial sync would return as next_batch).</summary>
    public async Task<SyncToken> GetCurrentTokenAsync(CancellationToken cancellationToken) =>
        await _computer.GetCurrentTokenAsync(cancellationToken);
}
