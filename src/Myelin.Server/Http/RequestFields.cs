using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Http;

/// <summary>
/// Typed reads of request fields for every client endpoint, with the spec's errors naming the field: a present
/// field of the wrong type is <c>M_BAD_JSON</c>, a missing required one <c>M_MISSING_PARAM</c>, a malformed
/// identifier <c>M_INVALID_PARAM</c>.
/// </summary>
public static class RequestFields
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

    public static JsonArray? OptionalArray(this JsonObject body, string name)
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }
        return node as JsonArray ?? throw MatrixException.BadJson($"'{name}' must be an array.");
    }

    /// <summary>An array of strings; any other element is <c>M_BAD_JSON</c>.</summary>
    public static IReadOnlyList<string>? OptionalStringArray(this JsonObject body, string name)
    {
        var array = body.OptionalArray(name);
        if (array is null)
        {
            return null;
        }
        var result = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (item is null || item.GetValueKind() != JsonValueKind.String)
            {
                throw MatrixException.BadJson($"'{name}' must be an array of strings.");
            }
            result.Add(item.GetValue<string>());
        }
        return result;
    }

    /// <summary>The body as a JSON object, or an empty object when the request has no body (clients often POST none).</summary>
    public static async Task<JsonObject> ReadOptionalJsonObjectAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        bool hasBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? true;
        if (!hasBody || context.Request.ContentLength == 0)
        {
            return new JsonObject();
        }
        return await context.Request.ReadJsonObjectAsync(context.RequestAborted);
    }

    public static RoomId ParseRoomId(string value) =>
        RoomId.TryParse(value, out var id) ? id : throw MatrixException.InvalidParam($"'{value}' is not a valid room ID.");

    public static UserId ParseUserId(string value, string name = "user_id") =>
        UserId.TryParse(value, out var id) ? id : throw MatrixException.InvalidParam($"'{name}' is not a valid user ID: '{value}'.");

    public static EventId ParseEventId(string value) =>
        EventId.TryParse(value, out var id) ? id : throw MatrixException.InvalidParam($"'{value}' is not a valid event ID.");

    public static RoomAlias ParseRoomAlias(string value) =>
        RoomAlias.TryParse(value, out var alias) ? alias : throw MatrixException.InvalidParam($"'{value}' is not a valid room alias.");

    /// <summary>The content of an event as a <see cref="JsonElement"/>.</summary>
    public static JsonElement ToElement(JsonObject content) => JsonSerializer.SerializeToElement(content);
}
