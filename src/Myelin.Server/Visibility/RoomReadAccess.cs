namespace Myelin.Server.Visibility;

/// <summary>Why (or whether) a user may read a room's history at all, before the per-event history visibility check.</summary>
public enum RoomReadAccess
{
    /// <summary>Never a member and the room is not world-readable: M_FORBIDDEN.</summary>
    None,
    /// <summary>Joined now.</summary>
    Member,
    /// <summary>Left, was kicked or banned, or has an invite: sees what they were allowed to before (spec: history_visibility "After a user has left a room...").</summary>
    FormerMember,
    /// <summary>Not a member, but the room's current history visibility is <c>world_readable</c> (peeking).</summary>
    WorldReadable,
}
