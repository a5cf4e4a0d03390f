namespace Myelin.Protocol.Authorization;

/// <summary>Values of <c>content.membership</c> in <c>m.room.member</c>. spec: client-server "m.room.member".</summary>
public static class Membership
{
    public const string Join = "join";
    public const string Invite = "invite";
    public const string Leave = "leave";
    public const string Ban = "ban";
    public const string Knock = "knock";
}
