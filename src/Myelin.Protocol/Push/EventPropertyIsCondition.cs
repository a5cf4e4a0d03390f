using System.Text.Json;

namespace Myelin.Protocol.Push;

/// <summary>
/// <c>event_property_is</c>: the value at <see cref="Key"/> equals <see cref="Value"/> exactly.
/// spec: client-server push "Conditions" event_property_is.
/// </summary>
public sealed class EventPropertyIsCondition : PushCondition
{
    public EventPropertyIsCondition(string key, ExactValue value)
    {
        ArgumentNullException.ThrowIfNull(key);
        Key = PropertyPath.Parse(key);
        Value = value;
    }

    public override string Kind => EventPropertyIsKind;
    public PropertyPath Key { get; }
    public ExactValue Value { get; }

    public override bool Matches(PushEvent pushEvent, in PushContext context) =>
        pushEvent.TryGetValue(Key, out JsonElement value) && Value.Matches(value);

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

    public override string ToString() => $"{Kind} {Key} == {Value}";
}
