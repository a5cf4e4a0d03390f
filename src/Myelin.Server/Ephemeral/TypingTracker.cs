using Myelin.Protocol.Identifiers;
using Myelin.Server.Streams;

namespace Myelin.Server.Ephemeral;

/// <summary>
/// Who is typing in which room. Typing is ephemeral: kept in memory only, each entry expiring after the
/// client's timeout. Every change moves the typing stream forward and wakes the room's syncers.
/// spec: client-server "Typing Notifications".
/// </summary>
public sealed class TypingTracker : IDisposable
{
    /// <summary>The longest timeout we honour, so a client can't pin "typing" on for hours.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(2);

    private readonly Lock _lock = new();
    private readonly Dictionary<RoomId, RoomTyping> _rooms = [];
    private readonly Notifier _notifier;
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;
    private long _position;

    public TypingTracker(Notifier notifier, TimeProvider? time = null)
    {
        _notifier = notifier;
        _time = time ?? TimeProvider.System;
        // Expiry must wake long-polls even when nobody asks: sweep once a second.
        _sweeper = _time.CreateTimer(_ => Sweep(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public void Dispose() => _sweeper.Dispose();

    /// <summary>Drops expired entries now (also runs once a second by itself).</summary>
    public void Sweep()
    {
        lock (_lock)
        {
            ExpireAll();
        }
    }

    /// <summary>The typing stream's current position.</summary>
    public long CurrentPosition
    {
        get
        {
            lock (_lock)
            {
                ExpireAll();
                return _position;
            }
        }
    }

    /// <summary>Raised after a change (also when a timeout ends typing), e.g. to send <c>m.typing</c> EDUs to other servers.</summary>
    public event Action<RoomId, UserId, bool>? Changed;

    public void SetTyping(RoomId room, UserId user, bool typing, TimeSpan timeout)
    {
        bool changed;
        lock (_lock)
        {
            ExpireAll();
            if (!_rooms.TryGetValue(room, out var roomTyping))
            {
                roomTyping = new RoomTyping();
                _rooms[room] = roomTyping;
            }
            if (typing)
            {
                var until = _time.GetUtcNow() + (timeout > MaxTimeout ? MaxTimeout : timeout);
                changed = !roomTyping.Users.ContainsKey(user);
                roomTyping.Users[user] = until;
            }
            else
            {
                changed = roomTyping.Users.Remove(user);
            }
            if (changed)
            {
                roomTyping.Position = ++_position;
            }
        }
        if (changed)
        {
            _notifier.NotifyRoom(room);
            Changed?.Invoke(room, user, typing);
        }
    }

    /// <summary>The users typing in a room now, and whether that changed after <paramref name="since"/>.</summary>
    public (IReadOnlyList<UserId> Users, bool ChangedSince) GetTyping(RoomId room, long since)
    {
        lock (_lock)
        {
            ExpireAll();
            if (!_rooms.TryGetValue(room, out var roomTyping))
            {
                return ([], false);
            }
            return (roomTyping.Users.Keys.ToArray(), roomTyping.Position > since);
        }
    }

    private void ExpireAll()
    {
        var now = _time.GetUtcNow();
        List<RoomId>? woken = null;
        List<(RoomId, UserId)>? stopped = null;
        foreach (var (room, roomTyping) in _rooms)
        {
            bool expired = false;
            foreach (var (user, until) in roomTyping.Users)
            {
                if (until <= now)
                {
                    roomTyping.Users.Remove(user);
                    (stopped ??= []).Add((room, user));
                    expired = true;
                }
            }
            if (expired)
            {
                roomTyping.Position = ++_position;
                (woken ??= []).Add(room);
            }
        }
        if (woken is not null)
        {
            foreach (var room in woken)
            {
                _notifier.NotifyRoom(room);
            }
        }
        if (stopped is not null && Changed is { } changed)
        {
            // A timeout ends typing like an explicit stop (other servers learn it from an m.typing EDU).
            foreach (var (room, user) in stopped)
            {
                changed(room, user, false);
            }
        }
    }

    private sealed class RoomTyping
    {
        public Dictionary<UserId, DateTimeOffset> Users { get; } = [];
        public long Position { get; set; }
    }
}
