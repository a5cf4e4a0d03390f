using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

namespace Myelin.Protocol.Push;

/// <summary>
/// <c>room_member_count</c>: compares the room's member count with <see cref="Is"/>, a decimal
/// integer optionally prefixed by <c>==</c>, <c>&lt;</c>, <c>&gt;</c>, <c>&gt;=</c> or <c>&lt;=</c> (default <c>==</c>).
/// spec: client-server push "Conditions" room_member_count.
/// </summary>
public sealed class RoomMemberCountCondition : PushCondition
{
    private enum Comparison { Equal, Less, Greater, LessOrEqual, GreaterOrEqual }

    private readonly Comparison _comparison;
    private readonly long _count;

    private RoomMemberCountCondition(string @is, Comparison comparison, long count)
    {
        Is = @is;
        _comparison = comparison;
        _count = count;
    }

    public override string Kind => RoomMemberCountKind;

    /// <summary>The condition's <c>is</c> parameter as written.</summary>
    public string Is { get; }

    public static RoomMemberCountCondition Parse(string @is) =>
        TryParse(@is, out RoomMemberCountCondition? condition)
            ? condition
            : throw new FormatException($"Invalid room_member_count 'is': '{@is}'.");

    public static bool TryParse(string? @is, [NotNullWhen(true)] out RoomMemberCountCondition? condition)
    {
        condition = null;
        if (@is is null)
        {
            return false;
        }
        (Comparison comparison, int prefix) = @is switch
        {
            _ when @is.StartsWith("==", StringComparison.Ordinal) => (Comparison.Equal, 2),
            _ when @is.StartsWith("<=", StringComparison.Ordinal) => (Comparison.LessOrEqual, 2),
            _ when @is.StartsWith(">=", StringComparison.Ordinal) => (Comparison.GreaterOrEqual, 2),
            _ when @is.StartsWith('<') => (Comparison.Less, 1),
            _ when @is.StartsWith('>') => (Comparison.Greater, 1),
            _ => (Comparison.Equal, 0),
        };
        ReadOnlySpan<char> digits = @is.AsSpan(prefix);
        if (digits.IsEmpty || !IsAsciiDigits(digits)
            || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long count))
        {
            return false;
        }
        condition = new RoomMemberCountCondition(@is, comparison, count);
        return true;
    }

    public override bool Matches(PushEvent pushEvent, in PushContext context)
    {
        long members = context.RoomMemberCount;
        return _comparison switch
        {
            Comparison.Equal => members == _count,
            Comparison.Less => members < _count,
            Comparison.Greater => members > _count,
            Comparison.LessOrEqual => members <= _count,
            _ => members >= _count,
        };
    }

    public override void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("kind", Kind);
        writer.WriteString("is", Is);
        writer.WriteEndObject();
    }

    private static bool IsAsciiDigits(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return true;
    }

    public override string ToString() => $"{Kind} {Is}";
}
