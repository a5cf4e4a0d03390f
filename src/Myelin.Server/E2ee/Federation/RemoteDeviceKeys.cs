using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Client;

namespace Myelin.Server.E2ee.Federation;

/// <summary>
/// The remote half of POST /keys/query and /keys/claim: one request per server, all servers in parallel within the
/// client's <c>timeout</c>; a server that cannot be reached in time is listed under <c>failures</c>. Queries are
/// answered from the device-list cache when it is current, refetching the list of users who share a room with a
/// local user. spec: client-server "Key management API"; server-server "End-to-End Encryption".
/// </summary>
public sealed class RemoteDeviceKeys(FederationClient federation, RemoteDeviceLists lists)
{
    public async Task QueryAsync(IReadOnlyDictionary<UserId, HashSet<string>?> wanted, TimeSpan timeout, KeyQueryResult result, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        await Task.WhenAll(wanted.GroupBy(w => w.Key.Server).Select(server => GuardAsync(server.Key, result.Failures, result,
            () => QueryServerAsync(server.Key, server.ToDictionary(), result, deadline.Token), cancellationToken)));
    }

    public async Task ClaimAsync(IReadOnlyDictionary<UserId, Dictionary<string, string>> wanted, TimeSpan timeout, JsonObject oneTimeKeys, JsonObject failures,
        CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var gate = new KeyQueryResult();
        await Task.WhenAll(wanted.GroupBy(w => w.Key.Server).Select(server => GuardAsync(server.Key, failures, gate,
            () => ClaimServerAsync(server.Key, server.ToDictionary(), oneTimeKeys, gate, deadline.Token), cancellationToken)));
    }

    private async Task QueryServerAsync(ServerName server, Dictionary<UserId, HashSet<string>?> users, KeyQueryResult result, CancellationToken cancellationToken)
    {
        var ask = new Dictionary<UserId, HashSet<string>?>();
        foreach (var (user, devices) in users)
        {
            if (await lists.IsCurrentAsync(user, cancellationToken))
            {
                await lists.AddCachedKeysAsync(user, devices, result, cancellationToken);
                continue;
            }
            // Synapse's approach: cache the whole list of a user a local user shares a room with, then serve from it.
            if (devices is null && await lists.SharesRoomWithLocalUserAsync(user, cancellationToken))
            {
                try
                {
                    await lists.ResyncAsync(user, cancellationToken);
                    await lists.AddCachedKeysAsync(user, devices, result, cancellationToken);
                    continue;
                }
                catch (FederationRequestException e) when (e.StatusCode is not null)
                {
                    // The server answered but not with a list: ask for the keys alone below.
                }
            }
            ask[user] = devices;
        }
        if (ask.Count == 0)
        {
            return;
        }
        var request = new JsonObject();
        foreach (var (user, devices) in ask)
        {
            request[user.Value] = new JsonArray([.. (devices ?? []).Select(d => (JsonNode)d)]);
        }
        var answer = await federation.PostAsync(server, "/_matrix/federation/v1/user/keys/query",
            JsonSerializer.SerializeToElement(new JsonObject { ["device_keys"] = request }), cancellationToken);
        result.Merge(r =>
        {
            foreach (var (user, devices) in ask)
            {
                // Only what was asked for, and only keys that name their user and device: a server speaks for its own users.
                var userDevices = new JsonObject();
                if (answer.TryGetProperty("device_keys", out var all) && all.ValueKind == JsonValueKind.Object
                    && all.TryGetProperty(user.Value, out var theirs) && theirs.ValueKind == JsonValueKind.Object)
                {
                    foreach (var device in theirs.EnumerateObject())
                    {
                        if ((devices is null || devices.Contains(device.Name)) && RemoteDeviceLists.ReadDeviceKeys(device.Value, user, device.Name) is { } json)
                        {
                            userDevices[device.Name] = JsonNode.Parse(json);
                        }
                    }
                }
                r.DeviceKeys[user.Value] = userDevices;
                CopyCrossSigningKey(answer, "master_keys", user, CrossSigningKeyTypes.Master, r.MasterKeys);
                CopyCrossSigningKey(answer, "self_signing_keys", user, CrossSigningKeyTypes.SelfSigning, r.SelfSigningKeys);
            }
        });
    }

    private async Task ClaimServerAsync(ServerName server, Dictionary<UserId, Dictionary<string, string>> users, JsonObject oneTimeKeys, KeyQueryResult gate,
        CancellationToken cancellationToken)
    {
        var request = new JsonObject();
        foreach (var (user, devices) in users)
        {
            var byDevice = new JsonObject();
            foreach (var (device, algorithm) in devices)
            {
                byDevice[device] = algorithm;
            }
            request[user.Value] = byDevice;
        }
        var answer = await federation.PostAsync(server, "/_matrix/federation/v1/user/keys/claim",
            JsonSerializer.SerializeToElement(new JsonObject { ["one_time_keys"] = request }), cancellationToken);
        if (!answer.TryGetProperty("one_time_keys", out var claimed) || claimed.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        gate.Merge(_ =>
        {
            foreach (var (user, devices) in users)
            {
                if (!claimed.TryGetProperty(user.Value, out var theirs) || theirs.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }
                foreach (var device in theirs.EnumerateObject())
                {
                    // One key object per requested device: "<algorithm>:<key_id>" → a key string or a signed key object.
                    if (devices.ContainsKey(device.Name) && device.Value.ValueKind == JsonValueKind.Object
                        && device.Value.EnumerateObject().All(k => k.Value.ValueKind is JsonValueKind.String or JsonValueKind.Object))
                    {
                        var userKeys = oneTimeKeys[user.Value] as JsonObject ?? (JsonObject)(oneTimeKeys[user.Value] = new JsonObject());
                        userKeys[device.Name] = JsonNode.Parse(device.Value.GetRawText());
                    }
                }
            }
        });
    }

    private static void CopyCrossSigningKey(JsonElement answer, string field, UserId user, string usage, JsonObject into)
    {
        if (answer.TryGetProperty(field, out var all) && all.ValueKind == JsonValueKind.Object && all.TryGetProperty(user.Value, out var key)
            && RemoteDeviceLists.ReadCrossSigningKey(key, user, usage) is { } json)
        {
            into[user.Value] = JsonNode.Parse(json);
        }
    }

    /// <summary>
    /// Runs one server's request; a failure becomes its <c>failures</c> entry (Synapse's shape: the HTTP status of an
    /// error answer, 503 when there was none, and a message).
    /// </summary>
    private static async Task GuardAsync(ServerName server, JsonObject failures, KeyQueryResult gate, Func<Task> request, CancellationToken cancellationToken)
    {
        string? message;
        int status;
        try
        {
            await request();
            return;
        }
        catch (FederationRequestException e)
        {
            (status, message) = (e.StatusCode ?? 503, e.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            (status, message) = (503, $"{server} did not answer in time.");
        }
        gate.Merge(_ => failures[server.Value] = new JsonObject { ["status"] = status, ["message"] = message });
    }
}
