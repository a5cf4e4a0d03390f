using System.Collections.Concurrent;
using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Streams;

/// <summary>
/// Wakes long-polling /sync (and /events) requests when something they follow changes. A waiter
/// registers the keys it cares about (its user and its rooms) BEFORE it reads the streams, so a change
/// committed while it computes its answer still wakes it: nothing falls between two tokens.
/// </summary>
public sealed class Notifier
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Waiter, byte>> _waitersByKey = new(StringComparer.Ordinal);

    /// <summary>Registers interest in a user and their rooms; dispose the waiter when done.</summary>
    public Waiter Register(UserId user, IEnumerable<RoomId> rooms)
    {
        var keys = new List<string> { user.Value };
        foreach (var room in rooms)
        {
            keys.Add(room.Value);
        }
        var waiter = new Waiter(this, keys);
        foreach (var key in keys)
        {
            _waitersByKey.GetOrAdd(key, static _ => new()).TryAdd(waiter, 0);
        }
        return waiter;
    }

    /// <summary>Something changed in a room: wake everyone following it.</summary>
    public void NotifyRoom(RoomId room) => Wake(room.Value);

    /// <summary>Something changed for one user (account data, to-device, an invite, ...).</summary>
    public void NotifyUser(UserId user) => Wake(user.Value);

    public void NotifyUsers(IEnumerable<UserId> users)
    {
        foreach (var user in users)
        {
            Wake(user.Value);
        }
    }

    /// <summary>Wakes every waiter: for changes whose audience is costly to compute (presence).</summary>
    public void NotifyAll()
    {
        foreach (var set in _waitersByKey.Values)
        {
            foreach (var waiter in set.Keys)
            {
                waiter.Wake();
            }
        }
    }

    public int WaiterCount => _waitersByKey.Values.SelectMany(s => s.Keys).Distinct().Count();

    private void Wake(string key)
    {
        if (_waitersByKey.TryGetValue(key, out var set))
        {
            foreach (var waiter in set.Keys)
            {
                waiter.Wake();
            }
        }
    }

    private void Unregister(Waiter waiter)
    {
        foreach (var key in waiter.Keys)
        {
            if (_waitersByKey.TryGetValue(key, out var set))
            {
                set.TryRemove(waiter, out _);
                if (set.IsEmpty)
                {
                    // A racing Register may have just added to this set; only drop it if still empty.
                    _waitersByKey.TryRemove(new KeyValuePair<string, ConcurrentDictionary<Waiter, byte>>(key, set));
                    if (!set.IsEmpty)
                    {
                        _waitersByKey.GetOrAdd(key, set);
                    }
                }
            }
        }
    }

    /// <summary>One long-poll's registration. <see cref="WaitAsync"/> completes on the first wake after registration.</summary>
    public sealed class Waiter : IDisposable
    {
        private readonly Notifier _owner;
        private readonly TaskCompletionSource _woken = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal Waiter(Notifier owner, IReadOnlyList<string> keys)
        {
            _owner = owner;
            Keys = keys;
        }

        internal IReadOnlyList<string> Keys { get; }

        public bool IsWoken => _woken.Task.IsCompleted;

        internal void Wake() => _woken.TrySetResult();

        /// <summary>Waits for a wake-up; returns false on timeout. Cancellation (client gone) ends the wait quietly.</summary>
        public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (_woken.Task.IsCompleted)
            {
                return true;
            }
            try
            {
                await _woken.Task.WaitAsync(timeout, cancellationToken);
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public void Dispose() => _owner.Unregister(this);
    }
}
