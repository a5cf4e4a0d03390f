using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Myelin.Server.Http;

/// <summary>Writes a <see cref="MatrixException"/> as the spec's standard error response.</summary>
internal static class MatrixErrorWriter
{
    public static async Task WriteAsync(HttpContext context, MatrixException error)
    {
        var response = context.Response;
        response.StatusCode = error.StatusCode;
        response.ContentType = "application/json";
        if (error.RetryAfter is { } retryAfter)
        {
            // spec: client-server "Rate limiting": Retry-After is in whole seconds, rounded up.
            response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteString("errcode", error.ErrCode);
        writer.WriteString("error", error.Message);
        foreach (var (key, value) in error.Extra)
        {
            if (key is "errcode" or "error")
            {
                continue;
            }
            writer.WritePropertyName(key);
            if (value is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                value.WriteTo(writer);
            }
        }
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
