using System.Text.Json;

namespace Myelin.Protocol.Push;

/// <summary>
/// A non-compound canonical JSON value (string, integer in ±(2^53−1), boolean or null) compared
/// exactly, without type coercion: <c>"true"</c> ≠ <c>true</c>, <c>1</c> ≠ <c>true</c>.
/// spec: client-server push "Conditions" (event_property_is, event_property_contains).
/// </summary>
public readonly struct ExactValue
{
    private const long MaxSafeInteger = (1L << 53) - 1;

    private ExactValue(JsonValueKind kind, string? text, long integer)
    {
        Kind = kind;
        String = text;
        Integer = integer;
    }

    /// <summary><see cref="JsonValueKind.String"/>, <c>Number</c>, <c>True</c>, <c>False</c> or <c>Null</c>.</summary>
    public JsonValueKind Kind { get; }
    public string? String { get; }
    public long Integer { get; }

    public static ExactValue Of(string value) => new(JsonValueKind.String, value ?? throw new ArgumentNullException(nameof(value)), 0);
    public static ExactValue Of(bool value) => new(value ? JsonValueKind.True : JsonValueKind.False, null, 0);
    public static ExactValue Of(long value) =>
        value is >= -MaxSafeInteger and <= MaxSafeInteger
            ? new(JsonValueKind.Number, null, value)
            : throw new ArgumentOutOfRangeException(nameof(value), "Outside the canonical JSON integer range.");
    public static ExactValue Null => new(JsonValueKind.Null, null, 0);

    public static bool TryCreate(JsonElement json, out ExactValue value)
    {
        value = default;
        switch (json.ValueKind)
        {
            case JsonValueKind.String:
                value = new ExactValue(JsonValueKind.String, json.GetString(), 0);
                return true;
            case JsonValueKind.Number:
                if (!TryGetCanonicalInteger(json, out long integer))
                {
                    return false;
                }
                value = new ExactValue(JsonValueKind.Number, null, integer);
                return true;
            case JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null:
                value = new ExactValue(json.ValueKind, null, 0);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Whether an event's value equals this one exactly. Allocation-free.</summary>
    public bool Matches(JsonElement json) => Kind switch
    {
        JsonValueKind.String => json.ValueKind == JsonValueKind.String && json.ValueEquals(String),
        JsonValueKind.Number => json.ValueKind == JsonValueKind.Number && TryGetCanonicalInteger(json, out long integer) && integer == Integer,
        JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => json.ValueKind == Kind,
        _ => false,
    };

    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (Kind)
        {
            case JsonValueKind.String: writer.WriteStringValue(String); break;
            case JsonValueKind.Number: writer.WriteNumberValue(Integer); break;
            case JsonValueKind.True: writer.WriteBooleanValue(true); break;
            case JsonValueKind.False: writer.WriteBooleanValue(false); break;
            default: writer.WriteNullValue(); break;
        }
    }

    private static bool TryGetCanonicalInteger(JsonElement json, out long integer) =>
        json.TryGetInt64(out integer) && integer is >= -MaxSafeInteger and <= MaxSafeInteger;

    public override string ToString() => Kind switch
    {
        JsonValueKind.String => $"\"{String}\"",
        JsonValueKind.Number => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };
}
