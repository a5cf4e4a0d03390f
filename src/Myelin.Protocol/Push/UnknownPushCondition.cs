using System.Text.Json;

namespace Myelin.Protocol.Push;

/// <summary>
/// A condition this server does not understand (or one with invalid parameters). It never matches,
/// which in effect disables its rule, and is written back exactly as received.
/// spec: client-server push "Conditions": "Unrecognised conditions MUST NOT match any events".
/// </summary>
public sealed class UnknownPushCondition : PushCondition
{
    public UnknownPushCondition(JsonElement json)
    {
        Json = json.Clone();
        Kind = json.ValueKind == JsonValueKind.Object
               && json.TryGetProperty("kind", out JsonElement kind)
               && kind.ValueKind == JsonValueKind.String
            ? kind.GetString()!
            : string.Empty;
    }

    public override string Kind { get; }

    /// <summary>The condition exactly as received.</summary>
    public JsonElement Json { get; }

    public override bool Matches(PushEvent pushEvent, in PushContext context) => false;

    public override void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Json.WriteTo(writer);
    }

    public override string ToString() => $"unknown {Json.GetRawText()}";
}
