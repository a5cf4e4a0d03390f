using System.Collections.Concurrent;
using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Sync;

/// <summary>
/// Which member events each device was already sent per room, so lazy-loading syncs send a member only once
/// (unless <c>include_redundant_members</c>). In memory: after a restart a device gets members again, which is
/// harmless. spec: client-server "Lazy-loading room members".
/// </summary>
public sealed class LazyLoadedMembers
{
    private const int MaxDevices = 50_000;

    private readonly ConcurrentDictionary<(UserId User, string Device), ConcurrentDictionary<RoomId, HashSet<UserId>>> _sent = new();

    /// <summary>An initial sync starts afresh: the device has nothing.</summary>
    public void Reset(UserId user, DeviceId? device) => _sent.TryRemove((user, device?.Value ?? ""), out _);

    /// <summary>The members of <paramref name="candidates"/> not yet sent to the device in this room; marks them sent.</summary>
    public IReadOnlyList<UserId> TakeUnsent(UserId user, DeviceId? device, RoomId room, IEnumerable<UserId> candidates)
    {
        if (_sent.Count > MaxDevices)
        {
            _sent.Clear();
        }
        var rooms = _sent.GetOrAdd((user, device?.Value ?? ""), static _ => new());
        var sent = rooms.GetOrAdd(room, static _ => []);
        var result = new List<UserId>();
        lock (sent)
        {
            foreach (var candidate in candidates)
            {
                if (sent.Add(candidate))
                {
                    result.Add(candidate);
                }
            }
        }
        return result;
    }

    /// <summary>Marks members as sent (e.g. member events that went out in a timeline or a full state).</summary>
    public void MarkSent(UserId user, DeviceId? device, RoomId room, IEnumerable<UserId> members) => _ = TakeUnsent(user, device, room, members);
}
