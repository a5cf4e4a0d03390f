using System.Text;

namespace Myelin.Protocol.Identifiers;

/// <summary>Grammar pieces shared by the identifier types. spec: appendices "Identifier Grammar".</summary>
internal static class IdentifierGrammar
{
    /// <summary>spec: appendices "User Identifiers", "Room IDs", "Room Aliases", "Event IDs": at most 255 bytes.</summary>
    public const int MaxBytes = 255;

    /// <summary>True when the UTF-8 encoding of <paramref name="value"/> is at most <paramref name="maxBytes"/> bytes.</summary>
    public static bool FitsInBytes(string value, int maxBytes)
    {
        // Every char is at least one UTF-8 byte, and at most three.
        if (value.Length > maxBytes)
        {
            return false;
        }
        return value.Length * 3 <= maxBytes || Encoding.UTF8.GetByteCount(value) <= maxBytes;
    }

    /// <summary>
    /// The historical localpart grammar: any non-surrogate code points except <c>:</c> and NUL.
    /// spec: appendices "Historical User IDs", "Room IDs", "Room Aliases".
    /// </summary>
    public static bool IsOpaqueLocalpart(ReadOnlySpan<char> localpart)
    {
        for (int i = 0; i < localpart.Length; i++)
        {
            char c = localpart[i];
            if (c is ':' or '\0')
            {
                return false;
            }
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= localpart.Length || !char.IsLowSurrogate(localpart[i + 1]))
                {
                    return false;
                }
                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>URL-safe unpadded base64 characters, the alphabet of v4+ event IDs and v12 room IDs.</summary>
    public static bool IsUrlSafeBase64(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }
        return true;
    }
}
