using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.E2ee;
using Myelin.Server.Federation.Authentication;
using Myelin.Server.Http;
using Myelin.Storage;
using Myelin.Storage.E2ee;

namespace Myelin.Server.FederationApi;

/// <summary>
/// Our users' devices and keys for other servers: <c>GET /_matrix/federation/v1/user/devices/{userId}</c>,
/// <c>POST /user/keys/query</c> and <c>POST /user/keys/claim</c>. Only local users may be asked for (400
/// <c>M_INVALID_PARAM</c> otherwise, as Synapse's "User is not hosted on this homeserver").
/// spec: server-server "Device Management", "End-to-End Encryption"; user_devices.yaml, user_keys.yaml.
/// </summary>
public static class UserKeysEndpoints
{
    public static RouteGroupBuilder MapFederationUserKeysApi(this RouteGroupBuilder federation)
    {
        federation.MapGet("/v1/user/devices/{userId}", GetDevicesAsync).WithName("FederationUserDevices");
        federation.MapPost("/v1/user/keys/query", QueryKeysAsync).WithName("FederationUserKeysQuery");
        federation.MapPost("/v1/user/keys/claim", ClaimKeysAsync).WithName("FederationUserKeysClaim");
        return federation;
    }

    private static async Task<IResult> GetDevicesAsync(string userId, FederationOrigin origin, MyelinDatabase database, MyelinConfig config,
        CancellationToken cancellationToken)
    {
        _ = origin;
        var user = RequireLocalUser(userId, config);
        // The stream ID of the last m.device_list_update sent for the user: later updates name it as prev_id.
        long streamId = (await database.DeviceListOutbound.GetAnnouncedAsync(user, cancellationToken))?.StreamId ?? 0;
        var devices = new JsonArray();
        foreach (var record in await database.E2eeKeys.GetDevicesWithKeysAsync([user], cancellationToken))
        {
            // spec: user_devices.yaml — "keys" is required, so only devices with identity keys are listed.
            if (record.KeyJson is null)
            {
                continue;
            }
            var device = new JsonObject { ["device_id"] = record.DeviceId.Value, ["keys"] = JsonNode.Parse(record.KeyJson) };
            if (record.DisplayName is not null)
            {
                device["device_display_name"] = record.DisplayName;
            }
            devices.Add(device);
        }
        var response = new JsonObject { ["user_id"] = user.Value, ["stream_id"] = streamId, ["devices"] = devices };
        var crossSigning = await database.E2eeKeys.GetCrossSigningKeysAsync(user, cancellationToken);
        if (crossSigning.TryGetValue(CrossSigningKeyTypes.Master, out string? master))
        {
            response["master_key"] = JsonNode.Parse(master);
        }
        if (crossSigning.TryGetValue(CrossSigningKeyTypes.SelfSigning, out string? selfSigning))
        {
            response["self_signing_key"] = JsonNode.Parse(selfSigning);
        }
        return MatrixResults.Json(response);
    }

    private static async Task<IResult> QueryKeysAsync(HttpContext context, FederationOrigin origin, E2eeKeyService keys, MyelinConfig config)
    {
        _ = origin;
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        var wanted = E2eeKeyService.ReadQuery(body);
        RequireLocalUsers(wanted.Keys, config);
        var result = new KeyQueryResult();
        await keys.AddLocalKeysAsync(null, wanted, result, context.RequestAborted);
        return MatrixResults.Json(result.ToFederationJson());
    }

    private static async Task<IResult> ClaimKeysAsync(HttpContext context, FederationOrigin origin, E2eeKeyService keys, MyelinConfig config)
    {
        _ = origin;
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        var wanted = E2eeKeyService.ReadClaims(body);
        RequireLocalUsers(wanted.Keys, config);
        var claims = new List<KeyClaim>();
        foreach (var (user, devices) in wanted)
        {
            foreach (var (device, algorithm) in devices)
            {
                // spec: unknown devices are missing from the result.
                if (DeviceId.TryParse(device, out var deviceId))
                {
                    claims.Add(new KeyClaim(user, deviceId, algorithm));
                }
            }
        }
        return MatrixResults.Json(new JsonObject { ["one_time_keys"] = await keys.ClaimLocalAsync(claims, context.RequestAborted) });
    }

    private static UserId RequireLocalUser(string value, MyelinConfig config)
    {
        if (!UserId.TryParse(value, out var user))
        {
            throw MatrixException.InvalidParam($"'{value}' is not a user ID.");
        }
        RequireLocalUsers([user], config);
        return user;
    }

    /// <summary>spec: "Requested users must be local to the receiving homeserver".</summary>
    private static void RequireLocalUsers(IEnumerable<UserId> users, MyelinConfig config)
    {
        foreach (var user in users)
        {
            if (user.Server != config.ServerName)
            {
                throw MatrixException.InvalidParam($"{user} is not a user of this homeserver.");
            }
        }
    }
}
