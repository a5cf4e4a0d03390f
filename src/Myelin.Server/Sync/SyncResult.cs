using Myelin.Protocol.Identifiers;
using Myelin.Server.Streams;

namespace Myelin.Server.Sync;

/// <summary>
/// A /sync response before it is written: events are already serialized (UTF-8 JSON each), so the writer copies
/// them without re-parsing. spec: openapi sync.yaml 200 response.
/// </summary>
public sealed class SyncResult
{
    public required SyncToken NextBatch { get; init; }
    public Dictionary<RoomId, JoinedRoomSync> Join { get; } = [];
    public Dictionary<RoomId, IReadOnlyList<byte[]>> Invite { get; } = [];
    public Dictionary<RoomId, IReadOnlyList<byte[]>> Knock { get; } = [];
    public Dictionary<RoomId, RoomTimelineSync> Leave { get; } = [];
    public List<byte[]> AccountData { get; } = [];
    public List<byte[]> Presence { get; } = [];
    public List<byte[]> ToDevice { get; } = [];
    public HashSet<UserId> DeviceListsChanged { get; } = [];
    public HashSet<UserId> DeviceListsLeft { get; } = [];
    /// <summary>The syncing device's unclaimed one-time keys per algorithm (device_one_time_keys_count).</summary>
    public Dictionary<string, int> OneTimeKeyCounts { get; } = new(StringComparer.Ordinal);
    /// <summary>Algorithms of the device's fallback keys not yet used (device_unused_fallback_key_types).</summary>
    public List<string> UnusedFallbackKeyTypes { get; } = [];

    /// <summary>Nothing for the client: a long-poll keeps waiting.</summary>
    public bool IsEmpty => Join.Count == 0 && Invite.Count == 0 && Knock.Count == 0 && Leave.Count == 0 && AccountData.Count == 0 &&
        Presence.Count == 0 && ToDevice.Count == 0 && DeviceListsChanged.Count == 0 && DeviceListsLeft.Count == 0;
}
