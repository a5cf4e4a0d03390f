using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Http;

namespace Myelin.Server.ClientApi.Accounts;

/// <summary>
/// Typed reads of request-body fields with the spec's errors: a present field of the wrong type is
/// <c>M_BAD_JSON</c> (or <c>M_INVALID_PARAM</c>), a missing required one <c>M_MISSING_PARAM</c>, each naming the field.
/// </summary>
public static class BodyFields
{
    public static string? OptionalString(this JsonObject body, string name)
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }
        return node.GetValueKind() == JsonValueKind.String
            ? node.GetValue<string>()
            : throw MatrixException.BadJson($"'{name}' must be a string.");
    }

    public static string RequiredString(this JsonObject body, string name) =>
        body.OptionalString(name) ?? throw MatrixException.MissingParam($"'{name}' is required.");

    public static bool? OptionalBool(this JsonObject body, string name)
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }
        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw MatrixException.BadJson($"'{name}' must be a boolean."),
        };
    }

    public static long? OptionalInteger(this JsonObject body, string name)
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }
        return node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue(out long value)
            ? value
            : throw MatrixException.BadJson($"'{name}' must be an integer.");
    }

    public static JsonObject? OptionalObject(this JsonObject body, string name)
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }
        return node as JsonObject ?? throw MatrixException.BadJson($"'{name}' must be an object.");
    }

    /// <summary>The body's <c>auth</c> dict for user-interactive auth (absent → null).</summary>
    public static JsonElement? Auth(this JsonObject body)
    {
        var auth = body.OptionalObject("auth");
        return auth is null ? null : JsonSerializer.SerializeToElement(auth);
    }

    /// <summary>The body as a JSON object, or an empty object when the request has no body at all (e.g. a bare DELETE).</summary>
    public static async Task<JsonObject> ReadOptionalJsonObjectAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        bool hasBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? true;
        return hasBody ? await context.Request.ReadJsonObjectAsync(context.RequestAborted) : new JsonObject();
    }

    /// <summary>A user ID path parameter; malformed → 400 <c>M_INVALID_PARAM</c>.</summary>
    public static UserId ParseUserId(string value) =>
        UserId.TryParse(value, out var id) ? id : throw MatrixException.InvalidParam($"'{value}' is not a valid user ID.");

    /// <summary>A room ID path parameter; malformed → 400 <c>M_INVALID_PARAM</c>.</summary>
    public static RoomId ParseRoomId(string value) =>
        RoomId.TryParse(value, out var id) ? id : throw MatrixException.InvalidParam($"'{value}' is not a valid room ID.");
}
