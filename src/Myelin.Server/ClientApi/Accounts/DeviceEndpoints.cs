using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Accounts;
using Myelin.Server.Authentication;
using Myelin.Server.Http;
using Myelin.Storage.Devices;

namespace Myelin.Server.ClientApi.Accounts;

/// <summary>Listing, renaming and deleting the requester's devices. spec: client-server "Device management".</summary>
public static class DeviceEndpoints
{
    public static IEndpointRouteBuilder MapDeviceApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("GET", "/devices", ListAsync);
        app.MapV3("GET", "/devices/{deviceId}", GetAsync);
        app.MapV3("PUT", "/devices/{deviceId}", RenameAsync);
        app.MapV3("DELETE", "/devices/{deviceId}", DeleteAsync);
        app.MapV3("POST", "/delete_devices", DeleteManyAsync);
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, Requester requester, DeviceService devices)
    {
        var list = await devices.ListAsync(requester.UserId, context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["devices"] = new JsonArray([.. list.Select(d => (JsonNode)ToJson(d))]) });
    }

    private static async Task<IResult> GetAsync(string deviceId, HttpContext context, Requester requester, DeviceService devices) =>
        MatrixResults.Json(ToJson(await devices.GetAsync(requester.UserId, ParseDevice(deviceId), context.RequestAborted)));

    private static async Task<IResult> RenameAsync(string deviceId, HttpContext context, Requester requester, DeviceService devices)
    {
        var device = ParseDevice(deviceId);
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        if (!body.ContainsKey("display_name"))
        {
            // spec: "If this is not given, the display name is unchanged."
            await devices.GetAsync(requester.UserId, device, context.RequestAborted);
            return MatrixResults.EmptyObject();
        }
        await devices.RenameAsync(requester.UserId, device, body.OptionalString("display_name"), context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> DeleteAsync(string deviceId, HttpContext context, Requester requester, DeviceService devices, InteractiveAuthStages stages)
    {
        var device = ParseDevice(deviceId);
        // An empty body is allowed: the first request of the auth flow.
        var body = await RequestFields.ReadOptionalJsonObjectAsync(context);
        await devices.GetAsync(requester.UserId, device, context.RequestAborted);
        var outcome = await stages.ReauthenticateAsync(body.Auth(), requester.UserId, "delete_device:" + device.Value, context.RequestAborted);
        if (!outcome.Authenticated)
        {
            return MatrixResults.Json(outcome.Challenge!, StatusCodes.Status401Unauthorized);
        }
        await devices.DeleteAsync(requester.UserId, [device], context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> DeleteManyAsync(HttpContext context, Requester requester, DeviceService devices, InteractiveAuthStages stages)
    {
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        if (!body.TryGetPropertyValue("devices", out var node) || node is null)
        {
            throw MatrixException.MissingParam("'devices' is required.");
        }
        if (node is not JsonArray array || array.Any(d => d?.GetValueKind() != JsonValueKind.String))
        {
            throw MatrixException.BadJson("'devices' must be an array of strings.");
        }
        // Malformed IDs cannot name an existing device; they are ignored like unknown ones.
        var ids = array.Select(d => d!.GetValue<string>())
            .Select(s => DeviceId.TryParse(s, out var id) ? id : (DeviceId?)null)
            .OfType<DeviceId>().Distinct().ToArray();
        var outcome = await stages.ReauthenticateAsync(body.Auth(), requester.UserId, "delete_devices", context.RequestAborted);
        if (!outcome.Authenticated)
        {
            return MatrixResults.Json(outcome.Challenge!, StatusCodes.Status401Unauthorized);
        }
        await devices.DeleteAsync(requester.UserId, ids, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static DeviceId ParseDevice(string value) =>
        DeviceId.TryParse(value, out var id) ? id : throw MatrixException.NotFound("Unknown device.");

    private static JsonObject ToJson(Device device)
    {
        var json = new JsonObject { ["device_id"] = device.DeviceId.Value };
        if (device.DisplayName is not null)
        {
            json["display_name"] = device.DisplayName;
        }
        if (device.LastSeenIp is not null)
        {
            json["last_seen_ip"] = device.LastSeenIp;
        }
        if (device.LastSeenTs is { } ts)
        {
            json["last_seen_ts"] = ts;
        }
        return json;
    }
}
