using System.Text.Json;

namespace Myelin.Protocol.Push;

/// <summary>
/// <c>event_property_contains</c>: the value at <see cref="Key"/> is an array with an element equal
/// to <see cref="Value"/> exactly; compound elements are ignored.
/// spec: client-server push "Conditions" event_property_contains.
/// </summary>
public sealed class EventPropertyContainsCondition : PushCondition
{
    public EventPropertyContainsCondition(string key, ExactValue value)
    {
        ArgumentNullException.ThrowIfNull(key);
        Key = PropertyPath.Parse(key);
        Value = value;
    }

    public override string Kind => EventPropertyContainsKind;
    public PropertyPath Key { get; }
    public ExactValue Value { get; }

    public override bool Matches(PushEvent pushEvent, in PushContext context)
    {
        if (!pushEvent.TryGetValue(Key, out JsonElement array) || array.ValueKind != JsonValueKind.Array)
        {
            return false;
        }
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (Value.Matches(item))
            {
                return true;
            }
        }
        return false;
    }

    public override void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("kind", Kind);
        writer.WriteString("key", Key.Text);
        writer.WritePropertyName("value");
        Value.WriteTo(writer);
        writer.WriteEndObject();
    }

    public override string ToString() => $"{Kind} {Key} ∋ {Value}";
}
