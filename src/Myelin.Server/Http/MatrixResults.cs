using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Myelin.Server.Http;

/// <summary>JSON responses for endpoint handlers; errors are thrown as <see cref="MatrixException"/> instead.</summary>
public static class MatrixResults
{
    private static readonly IResult EmptyObjectResult = new JsonNodeResult(new JsonObject(), StatusCodes.Status200OK);

    /// <summary>A source-generated DTO as JSON.</summary>
    public static IResult Json<T>(T value, JsonTypeInfo<T> typeInfo, int statusCode = StatusCodes.Status200OK) =>
        Results.Json(value, typeInfo, contentType: "application/json", statusCode: statusCode);

    /// <summary>A JSON tree as the response body.</summary>
    public static IResult Json(JsonNode value, int statusCode = StatusCodes.Status200OK) => new JsonNodeResult(value, statusCode);

    /// <summary><c>200 {}</c>, the spec's answer for many write endpoints.</summary>
    public static IResult EmptyObject() => EmptyObjectResult;

    private sealed class JsonNodeResult(JsonNode value, int statusCode) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = statusCode;
            httpContext.Response.ContentType = "application/json";
            await using var writer = new Utf8JsonWriter(httpContext.Response.Body);
            value.WriteTo(writer);
            await writer.FlushAsync(httpContext.RequestAborted);
        }
    }
}
