using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Myelin.Protocol.Push;

/// <summary>
/// One push-rule action: <c>"notify"</c> or a <c>set_tweak</c> object. Tweaks other than
/// <c>sound</c> and <c>highlight</c> pass through untouched (spec: "Tweaks are passed transparently").
/// spec: client-server push "Actions".
/// </summary>
[JsonConverter(typeof(PushActionJsonConverter))]
public sealed class PushAction : IEquatable<PushAction>
{
    public const string SoundTweak = "sound";
    public const string HighlightTweak = "highlight";

    public static readonly PushAction Notify = new(PushActionKind.Notify, null, null);

    private PushAction(PushActionKind kind, string? tweak, JsonElement? value)
    {
        Kind = kind;
        Tweak = tweak;
        Value = value;
    }

    public PushActionKind Kind { get; }

    /// <summary>The tweak name for <see cref="PushActionKind.SetTweak"/>.</summary>
    public string? Tweak { get; }

    /// <summary>The tweak's <c>value</c>; null when the key is absent (e.g. <c>{"set_tweak": "highlight"}</c>).</summary>
    public JsonElement? Value { get; }

    public static PushAction SetTweak(string tweak, JsonElement? value = null)
    {
        ArgumentNullException.ThrowIfNull(tweak);
        return new PushAction(PushActionKind.SetTweak, tweak, value?.Clone());
    }

    public static PushAction Sound(string sound) => SetTweak(SoundTweak, JsonSerializer.SerializeToElement(sound, PushJsonContext.Default.String));

    /// <summary><c>{"set_tweak": "highlight"}</c>, which means true.</summary>
    public static PushAction Highlight() => SetTweak(HighlightTweak);

    public static PushAction Highlight(bool value) => SetTweak(HighlightTweak, JsonSerializer.SerializeToElement(value, PushJsonContext.Default.Boolean));

    /// <summary>
    /// Reads one action. Returns false for something that is not an action. The historical
    /// <c>dont_notify</c> and <c>coalesce</c> parse successfully as <paramref name="action"/> = null,
    /// meaning "ignore" (spec: push "Historical Actions" — a <c>["dont_notify"]</c> rule equals <c>[]</c>).
    /// </summary>
    public static bool TryParse(JsonElement json, out PushAction? action)
    {
        action = null;
        switch (json.ValueKind)
        {
            case JsonValueKind.String:
                if (json.ValueEquals("notify"))
                {
                    action = Notify;
                    return true;
                }
                return json.ValueEquals("dont_notify") || json.ValueEquals("coalesce");
            case JsonValueKind.Object:
                if (json.TryGetProperty("set_tweak", out JsonElement tweak) && tweak.ValueKind == JsonValueKind.String)
                {
                    action = SetTweak(tweak.GetString()!, json.TryGetProperty("value", out JsonElement value) ? value : null);
                    return true;
                }
                return false;
            default:
                return false;
        }
    }

    /// <summary>
    /// Reads an actions array, dropping historical actions. With <paramref name="strict"/>, any
    /// unrecognised entry fails the whole array (client input); otherwise such entries are skipped (stored data).
    /// </summary>
    public static bool TryParseList(JsonElement json, bool strict, [NotNullWhen(true)] out IReadOnlyList<PushAction>? actions)
    {
        actions = null;
        if (json.ValueKind != JsonValueKind.Array)
        {
            return false;
        }
        var list = new List<PushAction>(json.GetArrayLength());
        foreach (JsonElement item in json.EnumerateArray())
        {
            if (!TryParse(item, out PushAction? action))
            {
                if (strict)
                {
                    return false;
                }
                continue;
            }
            if (action is not null)
            {
                list.Add(action);
            }
        }
        actions = list;
        return true;
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (Kind == PushActionKind.Notify)
        {
            writer.WriteStringValue("notify");
            return;
        }
        writer.WriteStartObject();
        writer.WriteString("set_tweak", Tweak);
        if (Value is { } value)
        {
            writer.WritePropertyName("value");
            value.WriteTo(writer);
        }
        writer.WriteEndObject();
    }

    public bool Equals(PushAction? other) =>
        other is not null
        && Kind == other.Kind
        && string.Equals(Tweak, other.Tweak, StringComparison.Ordinal)
        && (Value is null ? other.Value is null : other.Value is not null && JsonElement.DeepEquals(Value.Value, other.Value.Value));

    public override bool Equals(object? obj) => Equals(obj as PushAction);
    public override int GetHashCode() => HashCode.Combine(Kind, Tweak);

    public override string ToString() => Kind == PushActionKind.Notify ? "notify" : $"set_tweak {Tweak}={Value?.GetRawText() ?? "(none)"}";
}
