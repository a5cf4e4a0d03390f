using System.Text.Json;

namespace Myelin.Protocol.Push;

/// <summary>
/// The power level required to trigger each kind of notification, from the <c>notifications</c>
/// object of <c>m.room.power_levels</c>. <c>room</c> defaults to 50 when absent.
/// spec: client-server <c>m.room.power_levels</c> "notifications"; push "sender_notification_permission".
/// </summary>
public sealed class NotificationPowerLevels
{
    public const long DefaultRoomLevel = 50;

    /// <summary>No power-levels event: only the defaults.</summary>
    public static readonly NotificationPowerLevels Default = new(new Dictionary<string, long>(StringComparer.Ordinal));

    private readonly Dictionary<string, long> _levels;

    private NotificationPowerLevels(Dictionary<string, long> levels)
    {
        levels.TryAdd("room", DefaultRoomLevel);
        _levels = levels;
    }

    public static NotificationPowerLevels From(IReadOnlyDictionary<string, long> levels)
    {
        ArgumentNullException.ThrowIfNull(levels);
        return new NotificationPowerLevels(new Dictionary<string, long>(levels, StringComparer.Ordinal));
    }

    /// <summary>
    /// Reads <c>content.notifications</c> of an <c>m.room.power_levels</c> event. Integers and, for
    /// rooms before v10, integer strings are accepted; other values are ignored.
    /// </summary>
    public static NotificationPowerLevels FromPowerLevelsContent(JsonElement content)
    {
        var levels = new Dictionary<string, long>(StringComparer.Ordinal);
        if (content.ValueKind == JsonValueKind.Object
            && content.TryGetProperty("notifications", out JsonElement notifications)
            && notifications.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in notifications.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt64(out long level))
                {
                    levels[property.Name] = level;
                }
                else if (property.Value.ValueKind == JsonValueKind.String
                         && long.TryParse(property.Value.GetString(), System.Globalization.NumberStyles.AllowLeadingSign | System.Globalization.NumberStyles.AllowLeadingWhite | System.Globalization.NumberStyles.AllowTrailingWhite, System.Globalization.CultureInfo.InvariantCulture, out long parsed))
                {
                    levels[property.Name] = parsed;
                }
            }
        }
        return new NotificationPowerLevels(levels);
    }

    /// <summary>The level required for <paramref name="key"/>; false when the room defines none.</summary>
    public bool TryGetRequiredLevel(string key, out long level) => _levels.TryGetValue(key, out level);
}
