using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Myelin.Server.Http;

/// <summary>
/// Reading a request body as JSON with the spec's errors: not JSON → <c>M_NOT_JSON</c>, valid JSON of the
/// wrong shape → <c>M_BAD_JSON</c>, over the size limit → <c>M_TOO_LARGE</c>.
/// spec: client-server "Common error codes".
/// </summary>
public static class JsonBody
{
    /// <summary>
    /// How deep a request or federation response body may nest: a PDU may nest 128 levels (canonical JSON's limit) and
    /// sits a few levels down in a transaction or a send_join answer; Synapse sets no limit at all.
    /// </summary>
    public const int MaxDepth = 160;

    /// <summary>Parse options for bodies (<see cref="MaxDepth"/>).</summary>
    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    /// <summary>Reads the body as any JSON value.</summary>
    public static async Task<JsonElement> ReadJsonElementAsync(this HttpRequest request, CancellationToken cancellationToken = default)
    {
        using var document = await ParseAsync(request, cancellationToken);
        return document.RootElement.Clone();
    }

    /// <summary>Reads the body as a JSON object; any other JSON value is <c>M_BAD_JSON</c>.</summary>
    public static async Task<JsonObject> ReadJsonObjectAsync(this HttpRequest request, CancellationToken cancellationToken = default)
    {
        using var document = await ParseAsync(request, cancellationToken);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("Request body must be a JSON object.");
        }
        return JsonObject.Create(document.RootElement.Clone())!;
    }

    /// <summary>
    /// Reads the body into a source-generated DTO. Missing <c>required</c> members, wrong value types and a
    /// top-level <c>null</c> are <c>M_BAD_JSON</c>.
    /// </summary>
    public static async Task<T> ReadJsonAsync<T>(this HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        using var document = await ParseAsync(request, cancellationToken);
        T? value;
        try
        {
            value = document.Deserialize(typeInfo);
        }
        catch (JsonException e)
        {
            throw MatrixException.BadJson(DescribeShapeError(e));
        }
        catch (InvalidOperationException e)
        {
            throw MatrixException.BadJson("Request body has the wrong shape: " + e.Message);
        }
        return value ?? throw MatrixException.BadJson("Request body must not be null.");
    }

    private static async Task<JsonDocument> ParseAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (limit is { } max && request.ContentLength > max)
        {
            throw MatrixException.TooLarge();
        }
        try
        {
            return await JsonDocument.ParseAsync(request.Body, DocumentOptions, cancellationToken);
        }
        catch (JsonException)
        {
            throw MatrixException.NotJson();
        }
    }

    private static string DescribeShapeError(JsonException e) =>
        e.Path is { Length: > 0 } path
            ? $"Invalid value at '{path}' in request body."
            : "Request body has the wrong shape: " + FirstSentence(e.Message);

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}
