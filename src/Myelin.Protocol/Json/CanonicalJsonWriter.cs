using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Myelin.Protocol.Json;

/// <summary>A member to add to the top-level object while writing (it replaces a member of the same name).</summary>
internal readonly record struct ExtraMember(byte[] Name, byte[] CanonicalValue);

/// <summary>
/// The one canonical JSON writer: keys sorted by code point (UTF-8 byte order), no insignificant
/// whitespace, UTF-8 with only the mandatory escapes, integers only. Reports instead of throwing.
/// spec: appendices "Canonical JSON" (grammar and examples).
/// </summary>
internal static class CanonicalJsonWriter
{
    /// <summary>The largest integer canonical JSON allows: 2^53 − 1.</summary>
    public const long MaxSafeInteger = (1L << 53) - 1;

    /// <summary>Nesting allowed in events; deeper input is rejected when parsing.</summary>
    public const int MaxDepth = 128;

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    /// <summary>Writes <paramref name="value"/>; returns null on success or the reason it is not canonical JSON.</summary>
    public static string? Write(JsonElement value, IBufferWriter<byte> output, bool strict,
        JsonMemberFilter? filter = null, ReadOnlySpan<ExtraMember> extras = default)
    {
        try
        {
            return WriteValue(value, output, strict, filter, extras);
        }
        catch (InvalidOperationException)
        {
            // JsonElement.GetString on a string escaping a lone surrogate.
            return "A string contains invalid Unicode (a lone surrogate).";
        }
    }

    private static string? WriteValue(JsonElement value, IBufferWriter<byte> output, bool strict,
        JsonMemberFilter? filter, ReadOnlySpan<ExtraMember> extras)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                return WriteObject(value, output, strict, filter, extras);
            case JsonValueKind.Array:
                Put(output, (byte)'[');
                bool first = true;
                foreach (JsonElement item in value.EnumerateArray())
                {
                    if (!first)
                    {
                        Put(output, (byte)',');
                    }
                    first = false;
                    if (WriteValue(item, output, strict, null, default) is { } error)
                    {
                        return error;
                    }
                }
                Put(output, (byte)']');
                return null;
            case JsonValueKind.String:
                return WriteString(value, output);
            case JsonValueKind.Number:
                return WriteNumber(value, output, strict);
            case JsonValueKind.True:
                Put(output, "true"u8);
                return null;
            case JsonValueKind.False:
                Put(output, "false"u8);
                return null;
            case JsonValueKind.Null:
                Put(output, "null"u8);
                return null;
            default:
                return "Undefined JSON value.";
        }
    }

    private struct Member
    {
        public int Index;          // index into the property array, or -1 for an extra member
        public byte[]? Name;       // unescaped name when it differs from the raw bytes, or the extra's name
        public byte[]? Value;      // an extra member's canonical value
        public JsonMemberFilter? Nested;
    }

    private readonly struct MemberComparer(JsonProperty[] properties) : IComparer<Member>
    {
        public int Compare(Member x, Member y) => NameOf(properties, x).SequenceCompareTo(NameOf(properties, y));
    }

    private static ReadOnlySpan<byte> NameOf(JsonProperty[] properties, in Member m) =>
        m.Name ?? JsonMarshal.GetRawUtf8PropertyName(properties[m.Index]);

    private static string? WriteObject(JsonElement value, IBufferWriter<byte> output, bool strict,
        JsonMemberFilter? filter, ReadOnlySpan<ExtraMember> extras)
    {
        int count = value.GetPropertyCount();
        JsonProperty[] properties = ArrayPool<JsonProperty>.Shared.Rent(Math.Max(count, 1));
        Member[] members = ArrayPool<Member>.Shared.Rent(count + extras.Length + 1);
        try
        {
            int n = 0;
            int i = 0;
            foreach (JsonProperty property in value.EnumerateObject())
            {
                properties[i] = property;
                ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8PropertyName(property);
                byte[]? unescaped = null;
                if (raw.Contains((byte)'\\'))
                {
                    unescaped = Encoding.UTF8.GetBytes(property.Name);
                    raw = unescaped;
                }
                else if (!Utf8.IsValid(raw))
                {
                    return "A key is not valid UTF-8.";
                }
                JsonMemberFilter? nested = null;
                bool replaced = false;
                foreach (ExtraMember extra in extras)
                {
                    replaced |= raw.SequenceEqual(extra.Name);
                }
                if (!replaced && (filter is null || filter.Includes(raw, out nested)))
                {
                    members[n++] = new Member { Index = i, Name = unescaped, Nested = nested };
                }
                i++;
            }
            foreach (ExtraMember extra in extras)
            {
                members[n++] = new Member { Index = -1, Name = extra.Name, Value = extra.CanonicalValue };
            }
            Span<Member> sorted = members.AsSpan(0, n);
            sorted.Sort(new MemberComparer(properties));

            Put(output, (byte)'{');
            for (int m = 0; m < sorted.Length; m++)
            {
                ReadOnlySpan<byte> name = NameOf(properties, sorted[m]);
                if (m > 0)
                {
                    if (name.SequenceEqual(NameOf(properties, sorted[m - 1])))
                    {
                        return $"Duplicate key '{Encoding.UTF8.GetString(name)}'.";
                    }
                    Put(output, (byte)',');
                }
                WriteEscaped(name, output);
                Put(output, (byte)':');
                if (sorted[m].Index < 0)
                {
                    Put(output, sorted[m].Value);
                }
                else if (WriteValue(properties[sorted[m].Index].Value, output, strict, sorted[m].Nested, default) is { } error)
                {
                    return error;
                }
            }
            Put(output, (byte)'}');
            return null;
        }
        finally
        {
            ArrayPool<JsonProperty>.Shared.Return(properties, clearArray: true);
            ArrayPool<Member>.Shared.Return(members, clearArray: true);
        }
    }

    private static string? WriteString(JsonElement value, IBufferWriter<byte> output)
    {
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8Value(value);
        if (raw.Length >= 2 && raw[0] == (byte)'"')
        {
            raw = raw[1..^1];
        }
        if (!raw.Contains((byte)'\\'))
        {
            // Unescaped JSON text cannot hold control characters or quotes: already canonical once valid UTF-8.
            if (!Utf8.IsValid(raw))
            {
                return "A string is not valid UTF-8.";
            }
            Put(output, (byte)'"');
            Put(output, raw);
            Put(output, (byte)'"');
            return null;
        }
        string text = value.GetString()!;
        byte[]? rented = null;
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        Span<byte> utf8 = max <= 512 ? stackalloc byte[max] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            if (Utf8.FromUtf16(text, utf8, out _, out int written, replaceInvalidSequences: false) != OperationStatus.Done)
            {
                return "A string contains invalid Unicode (a lone surrogate).";
            }
            WriteEscaped(utf8[..written], output);
            return null;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Writes a quoted string, escaping only what the canonical grammar requires.</summary>
    public static void WriteEscaped(ReadOnlySpan<byte> utf8, IBufferWriter<byte> output)
    {
        Put(output, (byte)'"');
        while (!utf8.IsEmpty)
        {
            int special = utf8.IndexOfAnyInRange((byte)0, (byte)0x1f);
            int quote = utf8.IndexOfAny((byte)'"', (byte)'\\');
            int next = special < 0 ? quote : quote < 0 ? special : Math.Min(special, quote);
            if (next < 0)
            {
                Put(output, utf8);
                break;
            }
            Put(output, utf8[..next]);
            byte c = utf8[next];
            switch (c)
            {
                case (byte)'"': Put(output, "\\\""u8); break;
                case (byte)'\\': Put(output, "\\\\"u8); break;
                case 0x08: Put(output, "\\b"u8); break;
                case 0x09: Put(output, "\\t"u8); break;
                case 0x0a: Put(output, "\\n"u8); break;
                case 0x0c: Put(output, "\\f"u8); break;
                case 0x0d: Put(output, "\\r"u8); break;
                default:
                    Span<byte> u = output.GetSpan(6);
                    "\\u00"u8.CopyTo(u);
                    u[4] = HexDigits[c >> 4];
                    u[5] = HexDigits[c & 0xf];
                    output.Advance(6);
                    break;
            }
            utf8 = utf8[(next + 1)..];
        }
        Put(output, (byte)'"');
    }

    private static string? WriteNumber(JsonElement value, IBufferWriter<byte> output, bool strict)
    {
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8Value(value);
        bool isInteger = raw.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0;
        if (isInteger)
        {
            if (raw.SequenceEqual("-0"u8))
            {
                Put(output, (byte)'0');
                return null;
            }
            int digits = raw[0] == (byte)'-' ? raw.Length - 1 : raw.Length;
            bool inRange = digits <= 15
                || (Utf8Parser.TryParse(raw, out long parsed, out int consumed) && consumed == raw.Length
                    && parsed is >= -MaxSafeInteger and <= MaxSafeInteger);
            if (!inRange && strict)
            {
                return $"Integer {Encoding.UTF8.GetString(raw)} is outside the canonical JSON range ±(2^53−1).";
            }
            // spec: rooms v1–v5 may hold out-of-range integers; keep them as received.
            Put(output, raw);
            return null;
        }
        if (strict)
        {
            return $"Number {Encoding.UTF8.GetString(raw)} is not an integer; canonical JSON has no floats.";
        }
        // Lenient (room versions 1–5): an integral value is written as an integer, e.g. 1e10 → 10000000000
        // (spec: appendices "Canonical JSON" examples); anything else is kept as received.
        if (value.TryGetDouble(out double d) && Math.Abs(d) <= MaxSafeInteger && Math.Floor(d) == d)
        {
            Span<byte> digitsBuffer = output.GetSpan(20);
            Utf8Formatter.TryFormat((long)d, digitsBuffer, out int written);
            output.Advance(written);
            return null;
        }
        Put(output, raw);
        return null;
    }

    private static void Put(IBufferWriter<byte> output, byte b)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
    }

    private static void Put(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        Span<byte> span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }
}
