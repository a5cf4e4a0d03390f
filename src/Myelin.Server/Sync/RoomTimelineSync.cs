namespace Myelin.Server.Sync;

/// <summary>What a joined or left room reports: its timeline slice, state and per-room account data.</summary>
public class RoomTimelineSync
{
    public IReadOnlyList<byte[]> Timeline { get; set; } = [];
    public bool Limited { get; set; }
    public string? PrevBatch { get; set; }
    public IReadOnlyList<byte[]> State { get; set; } = [];
    /// <summary>True when <see cref="State"/> is the v1.16 <c>state_after</c> (state at the end of the timeline).</summary>
    public bool StateIsAfter { get; set; }
    public List<byte[]> AccountData { get; } = [];
}

/// <summary>A joined room's section: <see cref="RoomTimelineSync"/> plus ephemeral events, summary and unread counts.</summary>
public sealed class JoinedRoomSync : RoomTimelineSync
{
    public List<byte[]> Ephemeral { get; } = [];
    public RoomSummary? Summary { get; set; }
    public UnreadCounts Unread { get; set; }
    /// <summary>Per thread root, when the filter asked for <c>unread_thread_notifications</c>.</summary>
    public Dictionary<string, UnreadCounts>? ThreadUnread { get; set; }
}

/// <summary>spec: sync.yaml "RoomSummary"; null members are omitted (unchanged).</summary>
public sealed record RoomSummary(IReadOnlyList<string>? Heroes, long? JoinedMemberCount, long? InvitedMemberCount);

/// <summary><c>notification_count</c> and <c>highlight_count</c>.</summary>
public readonly record struct UnreadCounts(long NotificationCount, long HighlightCount);
