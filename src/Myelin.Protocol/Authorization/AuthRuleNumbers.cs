using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Authorization;

/// <summary>
/// Where each clause sits in a room version's numbered list of auth rules, so rejections cite the clause a reader
/// finds in that version's spec page. The lists differ: v1–v5 have the aliases rule (4), v1–v2 the redaction rule,
/// v8+ add the <c>join_authorised_via_users_server</c> member clause, v10+ the integer checks on power levels,
/// v12 the room ID rule (2) and the creators-in-users power level check.
/// </summary>
internal sealed class AuthRuleNumbers
{
    public AuthRuleNumbers(RoomVersion v)
    {
        int next = 2;
        RoomId = v.RoomIdIsCreateEventHash ? next++ : 0;
        AuthEvents = next++;
        Federate = next++;
        Aliases = v.SpecialCaseAliasesAuth ? next++ : 0;
        Member = next++;
        SenderJoined = next++;
        ThirdPartyInvite = next++;
        RequiredLevel = next++;
        StateKeyUserId = next++;
        PowerLevels = next++;
        Redaction = v.SpecialCaseRedactionAuth ? next++ : 0;

        int m = 2;
        MemberJoinAuthorisedVia = v.AllowRestrictedJoins ? m++ : 0;
        MemberJoin = m++;
        MemberInvite = m++;
        MemberLeave = m++;
        MemberBan = m++;
        MemberKnock = v.AllowKnocking ? m++ : 0;
        MemberUnknown = m;

        int j = 5;
        JoinRestricted = v.AllowRestrictedJoins ? j++ : 0;
        JoinPublic = j++;
        JoinOtherwise = j;

        int p = 1;
        PowerLevelsIntegerProperties = v.IntegerPowerLevels ? p++ : 0;
        PowerLevelsIntegerMaps = v.IntegerPowerLevels ? p++ : 0;
        PowerLevelsUsers = p++;
        PowerLevelsCreatorsInUsers = v.PrivilegedCreators ? p++ : 0;
        PowerLevelsNoPrevious = p++;
        PowerLevelsNamed = p++;
        PowerLevelsMapsOld = p++;
        PowerLevelsMapsNew = p++;
        PowerLevelsUsersOld = p++;
        PowerLevelsUsersNew = p;
    }

    public int RoomId { get; }
    public int AuthEvents { get; }
    public int Federate { get; }
    public int Aliases { get; }
    public int Member { get; }
    public int SenderJoined { get; }
    public int ThirdPartyInvite { get; }
    public int RequiredLevel { get; }
    public int StateKeyUserId { get; }
    public int PowerLevels { get; }
    public int Redaction { get; }

    public int MemberJoinAuthorisedVia { get; }
    public int MemberJoin { get; }
    public int MemberInvite { get; }
    public int MemberLeave { get; }
    public int MemberBan { get; }
    public int MemberKnock { get; }
    public int MemberUnknown { get; }

    public int JoinRestricted { get; }
    public int JoinPublic { get; }
    public int JoinOtherwise { get; }

    public int PowerLevelsIntegerProperties { get; }
    public int PowerLevelsIntegerMaps { get; }
    public int PowerLevelsUsers { get; }
    public int PowerLevelsCreatorsInUsers { get; }
    public int PowerLevelsNoPrevious { get; }
    public int PowerLevelsNamed { get; }
    public int PowerLevelsMapsOld { get; }
    public int PowerLevelsMapsNew { get; }
    public int PowerLevelsUsersOld { get; }
    public int PowerLevelsUsersNew { get; }
}
