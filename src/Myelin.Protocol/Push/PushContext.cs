namespace Myelin.Protocol.Push;

/// <summary>
/// What push-rule conditions need to know beyond the event itself, for one recipient.
/// </summary>
/// <param name="RoomMemberCount">Joined members of the room now (spec: <c>room_member_count</c>).</param>
/// <param name="DisplayName">The recipient's display name in this room, if any (<c>contains_display_name</c>).</param>
/// <param name="SenderPowerLevel">The sender's power level in the room (room v12 creators: <see cref="long.MaxValue"/>).</param>
/// <param name="NotificationPowerLevels">
/// The room's <c>notifications</c> power levels with defaults applied; see <see cref="NotificationPowerLevels"/>.
/// </param>
public readonly record struct PushContext(
    long RoomMemberCount,
    string? DisplayName,
    long SenderPowerLevel,
    NotificationPowerLevels NotificationPowerLevels);
