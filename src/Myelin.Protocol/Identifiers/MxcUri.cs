using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Myelin.Protocol.Identifiers;

/// <summary>
/// A content URI, <c>mxc://server/mediaId</c>; the media ID is <c>[A-Za-z0-9_-]+</c>.
/// spec: client-server "Matrix Content (mxc://) URIs".
/// </summary>
[JsonConverter(typeof(MatrixIdentifierJsonConverter<MxcUri>))]
public readonly record struct MxcUri : IMatrixIdentifier<MxcUri>
{
    public const string Scheme = "mxc://";
    /// <summary>The media ID limit; the whole URI also stays within 255 + server bytes.</summary>
    public const int MaxMediaIdLength = 255;

    private MxcUri(string value, ServerName server, string mediaId)
    {
        Value = value;
        Server = server;
        MediaId = mediaId;
    }

    public string Value { get; }
    public ServerName Server { get; }
    public string MediaId { get; }

    public static string Kind => "content URI";

    public static MxcUri Parse(string value) =>
        TryParse(value, out var id) ? id : throw new FormatException($"Invalid content URI: '{value}'.");

    public static bool TryParse([NotNullWhen(true)] string? value, out MxcUri uri)
    {
        uri = default;
        if (value is null || !value.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return false;
        }
        int slash = value.IndexOf('/', Scheme.Length);
        if (slash < 0
            || !ServerName.TryParse(value[Scheme.Length..slash], out var server)
            || !IsValidMediaId(value.AsSpan(slash + 1)))
        {
            return false;
        }
        uri = new MxcUri(value, server, value[(slash + 1)..]);
        return true;
    }

    public static MxcUri Create(ServerName server, string mediaId) => Parse($"{Scheme}{server.Value}/{mediaId}");

    public static bool IsValidMediaId(ReadOnlySpan<char> mediaId) =>
        mediaId.Length is > 0 and <= MaxMediaIdLength && IdentifierGrammar.IsUrlSafeBase64(mediaId);

    public override string ToString() => Value ?? string.Empty;
}
