using System.Text;

namespace Myelin.Protocol.Push;

/// <summary>
/// A compiled Matrix glob (<c>*</c> = zero or more characters, <c>?</c> = exactly one), matched
/// case-insensitively. Compiled once per rule; matching allocates nothing. Patterns without
/// wildcards take an ordinal-ignore-case fast path; the rest run a position-set (NFA) simulation,
/// linear in the value's length for a given pattern, so hostile bodies cannot cause backtracking blow-ups.
/// spec: appendices "Glob-style matching"; client-server push "Conditions" (event_match).
/// </summary>
public sealed class GlobPattern
{
    private const int AnyRun = -1;  // '*'
    private const int AnyOne = -2;  // '?'
    private const int StackLimit = 256;

    // Upper-cased runes of the pattern, with AnyRun/AnyOne for the wildcards.
    private readonly int[] _runes;
    private readonly bool _isLiteral;

    public GlobPattern(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        Pattern = pattern;
        var runes = new List<int>(pattern.Length);
        foreach (Rune rune in pattern.EnumerateRunes())
        {
            runes.Add(rune.Value switch
            {
                '*' => AnyRun,
                '?' => AnyOne,
                _ => Rune.ToUpperInvariant(rune).Value,
            });
        }
        _runes = [.. runes];
        _isLiteral = !runes.Contains(AnyRun) && !runes.Contains(AnyOne);
    }

    public string Pattern { get; }

    /// <summary>Whether the pattern matches the entire value.</summary>
    public bool IsMatch(ReadOnlySpan<char> value)
    {
        if (_isLiteral)
        {
            return value.Equals(Pattern, StringComparison.OrdinalIgnoreCase);
        }
        return Simulate(value, wordBoundaries: false);
    }

    /// <summary>
    /// Whether the pattern matches some substring of the value that starts and ends at a word
    /// boundary: the start or end of the value, or a character outside <c>[A-Za-z0-9_]</c>.
    /// spec: client-server push "Conditions" (event_match on <c>content.body</c>) and content rules.
    /// </summary>
    public bool IsWordMatch(ReadOnlySpan<char> value)
    {
        if (_isLiteral)
        {
            return IsLiteralWordMatch(value, Pattern);
        }
        return Simulate(value, wordBoundaries: true);
    }

    /// <summary>A case-insensitive search for a literal word (used for display names).</summary>
    internal static bool IsLiteralWordMatch(ReadOnlySpan<char> value, ReadOnlySpan<char> literal)
    {
        if (literal.IsEmpty)
        {
            return true;
        }
        int offset = 0;
        while (offset <= value.Length - literal.Length)
        {
            int found = value[offset..].IndexOf(literal, StringComparison.OrdinalIgnoreCase);
            if (found < 0)
            {
                return false;
            }
            int start = offset + found;
            int end = start + literal.Length;
            if (IsWordStart(value, start) && IsWordEnd(value, end))
            {
                return true;
            }
            offset = start + 1;
        }
        return false;
    }

    // A substring may start at i when i is the start of the value or sits next to a boundary
    // character (either the one before it, or the substring's own first character).
    private static bool IsWordStart(ReadOnlySpan<char> value, int i) =>
        i == 0 || !IsWordChar(value[i - 1]) || (i < value.Length && !IsWordChar(value[i]));

    private static bool IsWordEnd(ReadOnlySpan<char> value, int i) =>
        i == value.Length || !IsWordChar(value[i]) || (i > 0 && !IsWordChar(value[i - 1]));

    private static bool IsWordChar(char c) => c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '_';

    /// <summary>
    /// Runs the pattern as an NFA whose states are "pattern runes matched so far". Whole-value
    /// matching starts only at 0 and accepts only at the end; word matching starts and accepts at
    /// every word boundary.
    /// </summary>
    private bool Simulate(ReadOnlySpan<char> value, bool wordBoundaries)
    {
        int states = _runes.Length + 1;
        Span<bool> current = states <= StackLimit ? stackalloc bool[states] : new bool[states];
        Span<bool> next = states <= StackLimit ? stackalloc bool[states] : new bool[states];
        current.Clear();
        bool anyActive = false;

        int i = 0;
        while (true)
        {
            if (i == 0 || (wordBoundaries && IsWordStart(value, i)))
            {
                current[0] = true;
                anyActive = true;
            }
            if (anyActive)
            {
                CloseOverStars(current);
                if (current[states - 1] && (wordBoundaries ? IsWordEnd(value, i) : i == value.Length))
                {
                    return true;
                }
            }
            if (i >= value.Length)
            {
                return false;
            }

            Rune.DecodeFromUtf16(value[i..], out Rune rune, out int consumed);
            int upper = Rune.ToUpperInvariant(rune).Value;
            next.Clear();
            anyActive = false;
            if (current.Contains(true))
            {
                for (int s = 0; s < states - 1; s++)
                {
                    if (!current[s])
                    {
                        continue;
                    }
                    int p = _runes[s];
                    if (p == AnyRun)
                    {
                        next[s] = true;
                        anyActive = true;
                    }
                    else if (p == AnyOne || p == upper)
                    {
                        next[s + 1] = true;
                        anyActive = true;
                    }
                }
            }
            Span<bool> swap = current;
            current = next;
            next = swap;
            i += consumed;
        }
    }

    // '*' may match nothing: a state sitting before a '*' is also a state after it.
    private void CloseOverStars(Span<bool> states)
    {
        for (int s = 0; s < _runes.Length; s++)
        {
            if (states[s] && _runes[s] == AnyRun)
            {
                states[s + 1] = true;
            }
        }
    }

    public override string ToString() => Pattern;
}
