namespace Myelin.Server.Visibility;

/// <summary>The values of <c>m.room.history_visibility</c>'s <c>history_visibility</c>. spec: client-server "Room History Visibility".</summary>
public static class HistoryVisibilityValues
{
    public const string WorldReadable = "world_readable";
    public const string Shared = "shared";
    public const string Invited = "invited";
    public const string Joined = "joined";

    /// <summary>spec: "if no history_visibility is set, or if the value is not understood, the visibility is assumed to be shared".</summary>
    public static string Normalize(string? value) => value is WorldReadable or Shared or Invited or Joined ? value : Shared;
}
