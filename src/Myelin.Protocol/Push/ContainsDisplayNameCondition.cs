using System.Text.Json;

namespace Myelin.Protocol.Push;

/// <summary>
/// <c>contains_display_name</c> (deprecated since v1.17, still evaluated): <c>content.body</c>
/// contains the recipient's display name as a whole word, case-insensitively. No display name, no match.
/// spec: client-server push "Conditions" contains_display_name.
/// </summary>
public sealed class ContainsDisplayNameCondition : PushCondition
{
    public override string Kind => ContainsDisplayNameKind;

    public override bool Matches(PushEvent pushEvent, in PushContext context)
    {
        if (string.IsNullOrEmpty(context.DisplayName))
        {
            return false;
        }
        string? body = pushEvent.GetString(PropertyPath.ContentBody);
        return body is not null && GlobPattern.IsLiteralWordMatch(body, context.DisplayName);
    }

    public override void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("kind", Kind);
        writer.WriteEndObject();
    }

    public override string ToString() => Kind;
}
