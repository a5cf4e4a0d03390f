using System.Text.Json;

namespace Myelin.Protocol.Push;

/// <summary>
/// <c>event_match</c>: a case-insensitive glob over the whole string value at <see cref="Key"/>;
/// for <c>content.body</c>, over any substring bounded by word boundaries. Absent or non-string
/// values never match, even for <c>*</c>. spec: client-server push "Conditions" event_match.
/// </summary>
public sealed class EventMatchCondition : PushCondition
{
    private readonly bool _isBody;

    public EventMatchCondition(string key, string pattern)
    {
        ArgumentNullException.ThrowIfNull(key);
        Key = PropertyPath.Parse(key);
        Pattern = new GlobPattern(pattern);
        _isBody = Key.Equals(PropertyPath.ContentBody);
    }

    public override string Kind => EventMatchKind;
    public PropertyPath Key { get; }
    public GlobPattern Pattern { get; }

    public override bool Matches(PushEvent pushEvent, in PushContext context)
    {
        string? value = pushEvent.GetString(Key);
        if (value is null)
        {
            return false;
        }
        return _isBody ? Pattern.IsWordMatch(value) : Pattern.IsMatch(value);
    }

    public override void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("kind", Kind);
        writer.WriteString("key", Key.Text);
        writer.WriteString("pattern", Pattern.Pattern);
        writer.WriteEndObject();
    }

    public override string ToString() => $"{Kind} {Key} ~ {Pattern}";
}
