namespace Myelin.Server.Presence;

/// <summary>The presence values of the spec's <c>m.presence</c> event.</summary>
public static class PresenceStates
{
    public const string Online = "online";
    public const string Unavailable = "unavailable";
    public const string Offline = "offline";

    public static bool IsValid(string? value) => value is Online or Unavailable or Offline;
}
