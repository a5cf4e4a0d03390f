using System.Text.Json;
using System.Text.Json.Serialization;

namespace Myelin.Protocol.Push;

/// <summary>(De)serializes a <see cref="PushAction"/> in the spec's shape: a string or a <c>set_tweak</c> object.</summary>
public sealed class PushActionJsonConverter : JsonConverter<PushAction>
{
    public override PushAction? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        JsonElement json = JsonElement.ParseValue(ref reader);
        if (!PushAction.TryParse(json, out PushAction? action))
        {
            throw new JsonException($"Not a push action: {json.GetRawText()}");
        }
        // Historical actions read as null; callers drop them.
        return action;
    }

    public override void Write(Utf8JsonWriter writer, PushAction value, JsonSerializerOptions options) => value.WriteTo(writer);
}
