using System.Text.Json;
using System.Text.Json.Serialization;

namespace Myelin.Protocol.Push;

/// <summary>(De)serializes a <see cref="PushCondition"/> in the spec's shape; unknown kinds round-trip unchanged.</summary>
public sealed class PushConditionJsonConverter : JsonConverter<PushCondition>
{
    public override PushCondition Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        PushCondition.Parse(JsonElement.ParseValue(ref reader), out _);

    public override void Write(Utf8JsonWriter writer, PushCondition value, JsonSerializerOptions options) => value.WriteTo(writer);
}
