using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;

namespace Myelin.Protocol.Crypto;

/// <summary>
/// Unpadded base64, standard and URL-safe alphabets. Encoding never pads; decoding accepts input with
/// or without padding. spec: appendices "Unpadded Base64", "URL-safe unpadded Base64".
/// </summary>
public static class UnpaddedBase64
{
    public static string Encode(ReadOnlySpan<byte> data) => Convert.ToBase64String(data).TrimEnd('=');

    public static string EncodeUrlSafe(ReadOnlySpan<byte> data) => Base64Url.EncodeToString(data);

    /// <summary>The number of characters the unpadded encoding of <paramref name="byteCount"/> bytes takes.</summary>
    public static int GetEncodedLength(int byteCount) => (byteCount * 4 + 2) / 3;

    /// <summary>Writes the unpadded standard encoding as UTF-8 into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int EncodeToUtf8(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        int padded = (data.Length + 2) / 3 * 4;
        if (destination.Length >= padded)
        {
            Base64.EncodeToUtf8(data, destination, out _, out int written);
            return TrimPadding(destination[..written]);
        }
        byte[] rented = ArrayPool<byte>.Shared.Rent(padded);
        try
        {
            Base64.EncodeToUtf8(data, rented, out _, out int written);
            int length = TrimPadding(rented.AsSpan(0, written));
            rented.AsSpan(0, length).CopyTo(destination);
            return length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Writes the unpadded URL-safe encoding as UTF-8 into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int EncodeUrlSafeToUtf8(ReadOnlySpan<byte> data, Span<byte> destination) =>
        Base64Url.EncodeToUtf8(data, destination);

    public static bool TryDecode(ReadOnlySpan<char> encoded, [NotNullWhen(true)] out byte[]? data) =>
        TryDecode(encoded, urlSafe: false, out data);

    public static bool TryDecodeUrlSafe(ReadOnlySpan<char> encoded, [NotNullWhen(true)] out byte[]? data) =>
        TryDecode(encoded, urlSafe: true, out data);

    public static byte[] Decode(string encoded) =>
        TryDecode(encoded, out var data) ? data : throw new FormatException("Invalid unpadded base64.");

    public static byte[] DecodeUrlSafe(string encoded) =>
        TryDecodeUrlSafe(encoded, out var data) ? data : throw new FormatException("Invalid URL-safe unpadded base64.");

    /// <summary>Decodes into <paramref name="destination"/>; false if the input is not base64 or does not fit.</summary>
    public static bool TryDecode(ReadOnlySpan<char> encoded, Span<byte> destination, out int written, bool urlSafe = false)
    {
        written = 0;
        int length = encoded.Length;
        // Padding, if any, must bring the length to a multiple of four (spec: accept with or without padding).
        int pad = 0;
        while (pad < 2 && length > 0 && encoded[length - 1] == '=')
        {
            length--;
            pad++;
        }
        if (pad > 0 && (length + pad) % 4 != 0)
        {
            return false;
        }
        encoded = encoded[..length];
        if (length % 4 == 1)
        {
            return false;
        }
        foreach (char c in encoded)
        {
            bool ok = char.IsAsciiLetterOrDigit(c) || (urlSafe ? c is '-' or '_' : c is '+' or '/');
            if (!ok)
            {
                return false;
            }
        }
        int decodedLength = length / 4 * 3 + (length % 4 == 0 ? 0 : length % 4 - 1);
        if (destination.Length < decodedLength)
        {
            return false;
        }
        if (urlSafe)
        {
            return Base64Url.TryDecodeFromChars(encoded, destination, out written);
        }
        int paddedLength = (length + 3) / 4 * 4;
        char[]? rented = null;
        Span<char> padded = paddedLength <= 256 ? stackalloc char[paddedLength] : (rented = ArrayPool<char>.Shared.Rent(paddedLength));
        try
        {
            encoded.CopyTo(padded);
            padded[length..paddedLength].Fill('=');
            return Convert.TryFromBase64Chars(padded[..paddedLength], destination, out written);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private static bool TryDecode(ReadOnlySpan<char> encoded, bool urlSafe, [NotNullWhen(true)] out byte[]? data)
    {
        data = null;
        byte[] buffer = new byte[encoded.Length / 4 * 3 + 2];
        if (!TryDecode(encoded, buffer, out int written, urlSafe))
        {
            return false;
        }
        data = written == buffer.Length ? buffer : buffer[..written];
        return true;
    }

    private static int TrimPadding(Span<byte> encoded)
    {
        int length = encoded.Length;
        while (length > 0 && encoded[length - 1] == (byte)'=')
        {
            length--;
        }
        return length;
    }
}
