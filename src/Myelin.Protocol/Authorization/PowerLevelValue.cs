using System.Globalization;
using System.Text.Json;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Authorization;

/// <summary>Reads one power level value as the room version allows it to be written.</summary>
internal static class PowerLevelValue
{
    /// <summary>
    /// spec: rooms/v1 "m.room.power_levels events accept values as strings" (v1–v9) and "... as floats" (v1–v5);
    /// rooms/v10 "Values in m.room.power_levels events must be integers".
    /// </summary>
    public static bool TryRead(JsonElement value, RoomVersion version, out long level)
    {
        level = 0;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                if (value.TryGetInt64(out level))
                {
                    return true;
                }
                if (version.StrictCanonicalJson || version.IntegerPowerLevels)
                {
                    return false;
                }
                // Floats are truncated at the decimal point; non-finite values are invalid.
                double d = value.GetDouble();
                if (!double.IsFinite(d) || d >= 9.2e18 || d <= -9.2e18)
                {
                    return false;
                }
                level = (long)Math.Truncate(d);
                return true;
            case JsonValueKind.String when !version.IntegerPowerLevels:
                return TryParseStringy(value.GetString()!, out level);
            default:
                return false;
        }
    }

    /// <summary>Optional surrounding whitespace, one optional sign, base-10 digits (leading zeros allowed).</summary>
    private static bool TryParseStringy(string s, out long level)
    {
        level = 0;
        ReadOnlySpan<char> span = s.AsSpan().Trim();
        if (span.IsEmpty)
        {
            return false;
        }
        bool negative = false;
        if (span[0] is '+' or '-')
        {
            negative = span[0] == '-';
            span = span[1..];
        }
        if (span.IsEmpty || span.IndexOfAnyExceptInRange('0', '9') >= 0)
        {
            return false;
        }
        if (!long.TryParse(span, NumberStyles.None, CultureInfo.InvariantCulture, out long magnitude))
        {
            return false;
        }
        level = negative ? -magnitude : magnitude;
        return true;
    }
}
