using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Json;

/// <summary>
/// Canonical JSON: the one encoding that hashes and signatures are computed over. Keys sorted by code
/// point, no insignificant whitespace, UTF-8, shortest escapes, integers in ±(2^53−1).
/// <para><c>strict</c> (room versions 6+, <see cref="RoomVersion.StrictCanonicalJson"/>, and everything
/// outside rooms) rejects floats and out-of-range integers; lenient mode (v1–v5) keeps them. Duplicate
/// keys and invalid Unicode are always rejected.</para>
/// spec: appendices "Canonical JSON"; rooms/v6 "Canonical JSON".
/// </summary>
public static class CanonicalJson
{
    /// <summary>Parser options for JSON we will canonicalize: no comments or trailing commas, no duplicate keys.</summary>
    public static readonly JsonDocumentOptions ParseOptions = new()
    {
        AllowDuplicateProperties = false,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = CanonicalJsonWriter.MaxDepth,
    };

    /// <summary>Writes the canonical form of <paramref name="value"/>. Throws <see cref="CanonicalJsonException"/> if it has none.</summary>
    public static void Write(JsonElement value, IBufferWriter<byte> output, bool strict = true)
    {
        if (CanonicalJsonWriter.Write(value, output, strict) is { } error)
        {
            throw new CanonicalJsonException(error);
        }
    }

    /// <summary>The canonical form of <paramref name="value"/>. Throws <see cref="CanonicalJsonException"/> if it has none.</summary>
    public static byte[] Encode(JsonElement value, bool strict = true)
    {
        var buffer = PooledBuffer.Rent();
        try
        {
            Write(value, buffer, strict);
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            PooledBuffer.Return(buffer);
        }
    }

    /// <summary>The canonical form of a <see cref="JsonNode"/> (null encodes as <c>null</c>).</summary>
    public static byte[] Encode(JsonNode? node, bool strict = true)
    {
        var buffer = PooledBuffer.Rent();
        try
        {
            Write(node, buffer, strict);
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            PooledBuffer.Return(buffer);
        }
    }

    public static void Write(JsonNode? node, IBufferWriter<byte> output, bool strict = true)
    {
        if (node is null)
        {
            output.Write("null"u8);
            return;
        }
        byte[] utf8 = JsonSerializer.SerializeToUtf8Bytes(node);
        if (!TryEncode(utf8, output, strict, out string? error))
        {
            throw new CanonicalJsonException(error);
        }
    }

    /// <summary>Canonicalizes raw UTF-8 JSON text. Any problem, malformed JSON included, comes back as <paramref name="error"/>.</summary>
    public static bool TryEncode(ReadOnlySpan<byte> utf8Json, IBufferWriter<byte> output, bool strict,
        [NotNullWhen(false)] out string? error)
    {
        if (!TryParse(utf8Json, out JsonElement root, out error))
        {
            return false;
        }
        error = CanonicalJsonWriter.Write(root, output, strict);
        return error is null;
    }

    public static bool TryEncode(ReadOnlySpan<byte> utf8Json, bool strict,
        [NotNullWhen(true)] out byte[]? canonical, [NotNullWhen(false)] out string? error)
    {
        canonical = null;
        var buffer = PooledBuffer.Rent();
        try
        {
            if (!TryEncode(utf8Json, buffer, strict, out error))
            {
                return false;
            }
            canonical = buffer.WrittenSpan.ToArray();
            return true;
        }
        finally
        {
            PooledBuffer.Return(buffer);
        }
    }

    /// <summary>
    /// Parses UTF-8 JSON text (no comments, trailing commas or duplicate keys; nesting up to 128 levels).
    /// The element owns a copy of the input and needs no disposal.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Json, out JsonElement root, [NotNullWhen(false)] out string? error)
    {
        try
        {
            root = JsonElement.Parse(utf8Json, ParseOptions);
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            root = default;
            error = $"Malformed JSON: {ex.Message}";
            return false;
        }
        catch (InvalidOperationException)
        {
            // The duplicate-key check unescapes keys and throws on an escaped lone surrogate.
            root = default;
            error = "Malformed JSON: a key contains invalid Unicode (a lone surrogate).";
            return false;
        }
    }

    /// <summary>Checks that <paramref name="value"/> has a canonical form (see the class remarks for <paramref name="strict"/>).</summary>
    public static bool TryValidate(JsonElement value, bool strict, [NotNullWhen(false)] out string? error)
    {
        error = CanonicalJsonWriter.Write(value, new CountingBufferWriter(), strict);
        return error is null;
    }

    /// <summary>The length of the canonical form, or -1 with <paramref name="error"/> when there is none.</summary>
    public static long MeasureCanonicalLength(JsonElement value, bool strict, out string? error)
    {
        var counter = new CountingBufferWriter();
        error = CanonicalJsonWriter.Write(value, counter, strict);
        return error is null ? counter.Count : -1;
    }

    /// <summary>Whether a room version requires strict canonical JSON. spec: rooms/v6 "Canonical JSON".</summary>
    public static bool IsStrict(RoomVersion version) => version.StrictCanonicalJson;
}
