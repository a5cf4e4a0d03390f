using System.Text.Json;
using System.Text.Json.Serialization;

namespace Myelin.Protocol.Identifiers;

/// <summary>
/// Reads and writes an identifier as a JSON string, also as a dictionary key. An invalid value is a
/// <see cref="JsonException"/>, which the HTTP edge answers with <c>M_BAD_JSON</c> / <c>M_INVALID_PARAM</c>.
/// </summary>
public sealed class MatrixIdentifierJsonConverter<T> : JsonConverter<T> where T : struct, IMatrixIdentifier<T>
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected a {T.Kind} string, got {reader.TokenType}.");
        }
        return Parse(reader.GetString());
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Value);

    public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Parse(reader.GetString());

    public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WritePropertyName(value.Value ?? string.Empty);

    private static T Parse(string? value) =>
        T.TryParse(value, out var id) ? id : throw new JsonException($"Invalid {T.Kind}: '{value}'.");
}
