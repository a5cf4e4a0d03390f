namespace Myelin.Protocol.RoomVersions;

/// <summary>How event IDs are formed. spec: rooms/v1 "Event IDs", rooms/v3, rooms/v4.</summary>
public enum EventIdFormat
{
    /// <summary>v1–v2: <c>$random:server</c>, chosen by the origin and carried in the event.</summary>
    ServerScoped,
    /// <summary>v3: <c>$</c> + unpadded standard base64 of the reference hash.</summary>
    ReferenceHashBase64,
    /// <summary>v4+: <c>$</c> + unpadded URL-safe base64 of the reference hash.</summary>
    ReferenceHashUrlSafeBase64,
}

/// <summary>Which state resolution algorithm a room version uses.</summary>
public enum StateResolutionAlgorithm
{
    V1,
    V2,
    /// <summary>v12: state resolution v2.1 (conflicted state subgraph, empty starting state).</summary>
    V2_1,
}

public enum RoomVersionStability
{
    Stable,
    Unstable,
}

/// <summary>
/// The rules a room version changes, as data. Code branches on these flags, never on <see cref="Id"/>.
/// spec: rooms/_index.md and rooms/v1..v12.
/// </summary>
public sealed record RoomVersion
{
    public required string Id { get; init; }
    public RoomVersionStability Stability { get; init; } = RoomVersionStability.Stable;

    // Event format
    public required EventIdFormat EventIdFormat { get; init; }
    /// <summary>v1–v2 carry <c>event_id</c> in the PDU and reference events as [id, hashes] pairs.</summary>
    public bool EventIdInPdu => EventIdFormat == EventIdFormat.ServerScoped;
    /// <summary>v12: the room ID is <c>!</c> + the create event's reference hash; the create event has no room_id.</summary>
    public bool RoomIdIsCreateEventHash { get; init; }

    // State resolution
    public required StateResolutionAlgorithm StateResolution { get; init; }

    // Signing and JSON
    /// <summary>v5+: a signing key is only valid for events before its <c>valid_until_ts</c>.</summary>
    public bool EnforceKeyValidity { get; init; }
    /// <summary>v6+: integers outside ±(2^53−1) and floats make an event invalid.</summary>
    public bool StrictCanonicalJson { get; init; }

    // Authorization rules
    /// <summary>v1–v5: <c>m.room.aliases</c> has its own auth rule (state key must be the sender's domain).</summary>
    public bool SpecialCaseAliasesAuth { get; init; }
    /// <summary>v1–v2: <c>m.room.redaction</c> has its own auth rule (redact level, or the redacted event's ID has the
    /// redaction's event ID domain). Removed in v3 along with domains in event IDs.</summary>
    public bool SpecialCaseRedactionAuth { get; init; }
    /// <summary>v6+: the <c>notifications</c> key of power levels is subject to the "can't raise above your own level" rule.</summary>
    public bool LimitNotificationsPowerLevels { get; init; }
    /// <summary>v7+: <c>knock</c> membership and join rule.</summary>
    public bool AllowKnocking { get; init; }
    /// <summary>v8+: <c>restricted</c> join rule with <c>join_authorised_via_users_server</c>.</summary>
    public bool AllowRestrictedJoins { get; init; }
    /// <summary>v10+: <c>knock_restricted</c> join rule.</summary>
    public bool AllowKnockRestricted { get; init; }
    /// <summary>v10+: power level values must be integers, not strings.</summary>
    public bool IntegerPowerLevels { get; init; }
    /// <summary>v11+: the room creator is the create event's sender; <c>content.creator</c> is not used.</summary>
    public bool CreatorIsSender { get; init; }
    /// <summary>v12: creators (sender + <c>additional_creators</c>) have infinite power and are not in power levels.</summary>
    public bool PrivilegedCreators { get; init; }

    // Redaction algorithm
    /// <summary>v1–v5: <c>m.room.aliases</c> keeps <c>aliases</c> on redaction.</summary>
    public bool RedactionKeepsAliases { get; init; }
    /// <summary>v8+: <c>m.room.join_rules</c> keeps <c>allow</c>.</summary>
    public bool RedactionKeepsJoinRulesAllow { get; init; }
    /// <summary>v9+: <c>m.room.member</c> keeps <c>join_authorised_via_users_server</c>.</summary>
    public bool RedactionKeepsJoinAuthorisedVia { get; init; }
    /// <summary>v11+: the v11 redaction changes (create keeps all content, power levels keep <c>invite</c>,
    /// third-party invite signed kept, top-level <c>origin</c>, <c>membership</c>, <c>prev_state</c> removed,
    /// <c>m.room.redaction</c> keeps <c>redacts</c> in content).</summary>
    public bool V11Redactions { get; init; }
    /// <summary>v11+: <c>redacts</c> moves from the top level into <c>content</c>.</summary>
    public bool RedactsInContent { get; init; }
}
