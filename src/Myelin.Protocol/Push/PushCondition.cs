using System.Text.Json;
using System.Text.Json.Serialization;

namespace Myelin.Protocol.Push;

/// <summary>
/// A condition of an <c>override</c> or <c>underride</c> rule; all of a rule's conditions must hold.
/// spec: client-server push "Conditions"; definitions/push_condition.yaml.
/// </summary>
[JsonConverter(typeof(PushConditionJsonConverter))]
public abstract class PushCondition
{
    public const string EventMatchKind = "event_match";
    public const string EventPropertyIsKind = "event_property_is";
    public const string EventPropertyContainsKind = "event_property_contains";
    public const string ContainsDisplayNameKind = "contains_display_name";
    public const string RoomMemberCountKind = "room_member_count";
    public const string SenderNotificationPermissionKind = "sender_notification_permission";

    private protected PushCondition()
    {
    }

    /// <summary>The condition's <c>kind</c> as written on the wire.</summary>
    public abstract string Kind { get; }

    /// <summary>Whether the condition holds for this event and recipient.</summary>
    public abstract bool Matches(PushEvent pushEvent, in PushContext context);

    public abstract void WriteTo(Utf8JsonWriter writer);

    /// <summary>
    /// Reads a condition. Never throws: an unrecognised kind, or a recognised kind with missing or
    /// ill-typed parameters, becomes an <see cref="UnknownPushCondition"/> that keeps its JSON and
    /// never matches (spec: "Unrecognised conditions MUST NOT match any events").
    /// <paramref name="wellFormed"/> is false only for the malformed-known-kind (or non-object) case,
    /// which client input should reject.
    /// </summary>
    public static PushCondition Parse(JsonElement json, out bool wellFormed)
    {
        wellFormed = false;
        if (json.ValueKind != JsonValueKind.Object
            || !json.TryGetProperty("kind", out JsonElement kindJson)
            || kindJson.ValueKind != JsonValueKind.String)
        {
            return new UnknownPushCondition(json);
        }
        string kind = kindJson.GetString()!;
        PushCondition? parsed = kind switch
        {
            EventMatchKind when TryGetString(json, "key", out string? key) && TryGetString(json, "pattern", out string? pattern)
                => new EventMatchCondition(key, pattern),
            EventPropertyIsKind when TryGetString(json, "key", out string? key) && TryGetExactValue(json, out ExactValue value)
                => new EventPropertyIsCondition(key, value),
            EventPropertyContainsKind when TryGetString(json, "key", out string? key) && TryGetExactValue(json, out ExactValue value)
                => new EventPropertyContainsCondition(key, value),
            ContainsDisplayNameKind => new ContainsDisplayNameCondition(),
            RoomMemberCountKind when TryGetString(json, "is", out string? @is) && RoomMemberCountCondition.TryParse(@is, out RoomMemberCountCondition? condition)
                => condition,
            SenderNotificationPermissionKind when TryGetString(json, "key", out string? key)
                => new SenderNotificationPermissionCondition(key),
            _ => null,
        };
        if (parsed is not null)
        {
            wellFormed = true;
            return parsed;
        }
        // An unknown kind is well-formed (it is someone else's extension); a known kind with bad parameters is not.
        wellFormed = kind is not (EventMatchKind or EventPropertyIsKind or EventPropertyContainsKind
            or RoomMemberCountKind or SenderNotificationPermissionKind);
        return new UnknownPushCondition(json);
    }

    private static bool TryGetString(JsonElement json, string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        if (json.TryGetProperty(name, out JsonElement element) && element.ValueKind == JsonValueKind.String)
        {
            value = element.GetString()!;
            return true;
        }
        value = null;
        return false;
    }

    private static bool TryGetExactValue(JsonElement json, out ExactValue value)
    {
        value = default;
        return json.TryGetProperty("value", out JsonElement element) && ExactValue.TryCreate(element, out value);
    }
}
