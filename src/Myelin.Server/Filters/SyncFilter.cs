namespace Myelin.Server.Filters;

/// <summary>
/// A whole <c>Filter</c> as stored by <c>POST /user/{userId}/filter</c> or passed inline to /sync.
/// spec: openapi definitions/sync_filter.yaml.
/// </summary>
public sealed class SyncFilter
{
    public static readonly SyncFilter Default = new();

    public IReadOnlyList<string>? EventFields { get; init; }
    /// <summary><c>client</c> (default) or <c>federation</c>.</summary>
    public string EventFormat { get; init; } = "client";
    public EventFilter Presence { get; init; } = EventFilter.All;
    public EventFilter AccountData { get; init; } = EventFilter.All;
    public RoomFilter Room { get; init; } = RoomFilter.Default;
}

/// <summary>spec: sync_filter.yaml "RoomFilter".</summary>
public sealed class RoomFilter
{
    public static readonly RoomFilter Default = new();

    public IReadOnlyList<string>? Rooms { get; init; }
    public IReadOnlyList<string>? NotRooms { get; init; }
    public bool IncludeLeave { get; init; }
    public EventFilter Ephemeral { get; init; } = EventFilter.All;
    public EventFilter State { get; init; } = EventFilter.All;
    public EventFilter Timeline { get; init; } = EventFilter.All;
    public EventFilter AccountData { get; init; } = EventFilter.All;

    public bool MatchesRoom(string roomId) =>
        (NotRooms is null || !NotRooms.Contains(roomId, StringComparer.Ordinal)) &&
        (Rooms is null || Rooms.Contains(roomId, StringComparer.Ordinal));
}
