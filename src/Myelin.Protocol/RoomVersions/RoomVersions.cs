using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Myelin.Protocol.RoomVersions;

/// <summary>The room versions Myelin knows, each built on the one before as the spec describes them.</summary>
public static class KnownRoomVersions
{
    public static readonly RoomVersion V1 = new()
    {
        Id = "1",
        EventIdFormat = EventIdFormat.ServerScoped,
        StateResolution = StateResolutionAlgorithm.V1,
        SpecialCaseAliasesAuth = true,
        SpecialCaseRedactionAuth = true,
        RedactionKeepsAliases = true,
    };

    public static readonly RoomVersion V2 = V1 with { Id = "2", StateResolution = StateResolutionAlgorithm.V2 };
    public static readonly RoomVersion V3 = V2 with { Id = "3", EventIdFormat = EventIdFormat.ReferenceHashBase64, SpecialCaseRedactionAuth = false };
    public static readonly RoomVersion V4 = V3 with { Id = "4", EventIdFormat = EventIdFormat.ReferenceHashUrlSafeBase64 };
    public static readonly RoomVersion V5 = V4 with { Id = "5", EnforceKeyValidity = true };

    public static readonly RoomVersion V6 = V5 with
    {
        Id = "6",
        SpecialCaseAliasesAuth = false,
        RedactionKeepsAliases = false,
        StrictCanonicalJson = true,
        LimitNotificationsPowerLevels = true,
    };

    public static readonly RoomVersion V7 = V6 with { Id = "7", AllowKnocking = true };
    public static readonly RoomVersion V8 = V7 with { Id = "8", AllowRestrictedJoins = true, RedactionKeepsJoinRulesAllow = true };
    public static readonly RoomVersion V9 = V8 with { Id = "9", RedactionKeepsJoinAuthorisedVia = true };
    public static readonly RoomVersion V10 = V9 with { Id = "10", AllowKnockRestricted = true, IntegerPowerLevels = true };
    public static readonly RoomVersion V11 = V10 with { Id = "11", CreatorIsSender = true, V11Redactions = true, RedactsInContent = true };

    public static readonly RoomVersion V12 = V11 with
    {
        Id = "12",
        RoomIdIsCreateEventHash = true,
        PrivilegedCreators = true,
        StateResolution = StateResolutionAlgorithm.V2_1,
    };

    public static readonly FrozenDictionary<string, RoomVersion> All =
        new[] { V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12 }.ToFrozenDictionary(v => v.Id, StringComparer.Ordinal);

    /// <summary>spec: the default room version servers should use when creating rooms (rooms/_index.md).</summary>
    public static RoomVersion Default => V12;

    public static bool TryGet([NotNullWhen(true)] string? id, [NotNullWhen(true)] out RoomVersion? version)
    {
        version = null;
        return id is not null && All.TryGetValue(id, out version);
    }
}
