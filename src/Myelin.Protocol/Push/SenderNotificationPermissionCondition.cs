using System.Text.Json;

namespace Myelin.Protocol.Push;

/// <summary>
/// <c>sender_notification_permission</c>: the sender's power level is at least the room's
/// <c>notifications[key]</c> level (<c>room</c> defaults to 50). A key the room defines no level for never matches.
/// spec: client-server push "Conditions" sender_notification_permission.
/// </summary>
public sealed class SenderNotificationPermissionCondition : PushCondition
{
    public SenderNotificationPermissionCondition(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Key = key;
    }

    public override string Kind => SenderNotificationPermissionKind;

    /// <summary>The notification type, e.g. <c>room</c>.</summary>
    public string Key { get; }

    public override bool Matches(PushEvent pushEvent, in PushContext context)
    {
        NotificationPowerLevels levels = context.NotificationPowerLevels ?? NotificationPowerLevels.Default;
        return levels.TryGetRequiredLevel(Key, out long required) && context.SenderPowerLevel >= required;
    }

    public override void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("kind", Kind);
        writer.WriteString("key", Key);
        writer.WriteEndObject();
    }

    public override string ToString() => $"{Kind} {Key}";
}
