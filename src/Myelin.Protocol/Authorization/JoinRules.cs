namespace Myelin.Protocol.Authorization;

/// <summary>Values of <c>content.join_rule</c> in <c>m.room.join_rules</c>. spec: client-server "m.room.join_rules".</summary>
public static class JoinRules
{
    public const string Public = "public";
    public const string Invite = "invite";
    public const string Knock = "knock";
    public const string Restricted = "restricted";
    public const string KnockRestricted = "knock_restricted";
    public const string Private = "private";
}
