using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Edus;
using Myelin.Server.Federation.Sending;
using Myelin.Storage;
using Myelin.Storage.Streams;

namespace Myelin.Server.E2ee.Federation;

/// <summary>
/// Tells the servers that share a room with a local user when the user's device list changes: follows the
/// device-lists stream, compares each changed user's devices (with identity keys) and public cross-signing keys with
/// what was last announced, and sends one <c>m.device_list_update</c> per added, changed or deleted device (a chain of
/// <c>stream_id</c>/<c>prev_id</c> per user) and an <c>m.signing_key_update</c> when the master or self-signing key
/// changed, as durable EDUs. Every path that changes devices or keys records a device-list change, so none is missed;
/// a restart resumes from the stored cursor. spec: server-server "Device Management", "End-to-End Encryption".
/// </summary>
public sealed partial class DeviceListAnnouncer(MyelinDatabase database, MyelinConfig config, IFederationSender sender,
    ILogger<DeviceListAnnouncer> logger) : BackgroundService
{
    /// <summary>How often the stream is checked without a wake-up (device changes made outside the E2EE services).</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SemaphoreSlim _running = new(1, 1);

    /// <summary>Checks for changes now instead of at the next poll.</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    /// <summary>Announces every local device-list change not announced yet.</summary>
    public async Task AnnounceChangesAsync(CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            var upTo = await database.Streams.GetCurrentAsync(StreamName.DeviceLists, cancellationToken);
            var cursor = await database.DeviceListOutbound.GetCursorAsync(cancellationToken);
            if (upTo.Value <= cursor.Value)
            {
                return;
            }
            foreach (var user in await database.Devices.GetDeviceListChangesAsync(cursor, null, cancellationToken))
            {
                if (user.Server == config.ServerName)
                {
                    await AnnounceAsync(user, cancellationToken);
                }
            }
            await database.DeviceListOutbound.SetCursorAsync(upTo, cancellationToken);
        }
        finally
        {
            _running.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await AnnounceChangesAsync(stoppingToken);
                await _wake.WaitAsync(PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // the announcer must outlive a failed round (database hiccup): it retries at the next poll
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogRoundFailed(e);
                await Task.Delay(PollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task AnnounceAsync(UserId user, CancellationToken cancellationToken)
    {
        var current = await SnapshotAsync(user, cancellationToken);
        var announced = await database.DeviceListOutbound.GetAnnouncedAsync(user, cancellationToken);
        var previous = announced is null ? new JsonObject { ["devices"] = new JsonObject() } : JsonNode.Parse(announced.SnapshotJson)!.AsObject();
        long streamId = announced?.StreamId ?? 0;

        var updates = new List<JsonObject>();
        var currentDevices = current["devices"]!.AsObject();
        var previousDevices = previous["devices"]!.AsObject();
        foreach (var (deviceId, device) in currentDevices)
        {
            if (!JsonNode.DeepEquals(device, previousDevices[deviceId]))
            {
                var update = new JsonObject { ["user_id"] = user.Value, ["device_id"] = deviceId, ["deleted"] = false, ["keys"] = device!["keys"]!.DeepClone() };
                if (device["device_display_name"] is { } name)
                {
                    update["device_display_name"] = name.DeepClone();
                }
                updates.Add(update);
            }
        }
        foreach (var (deviceId, _) in previousDevices)
        {
            if (!currentDevices.ContainsKey(deviceId))
            {
                updates.Add(new JsonObject { ["user_id"] = user.Value, ["device_id"] = deviceId, ["deleted"] = true });
            }
        }
        var signingKeyUpdate = new JsonObject { ["user_id"] = user.Value };
        foreach (string field in new[] { "master_key", "self_signing_key" })
        {
            if (current[field] is { } key && !JsonNode.DeepEquals(key, previous[field]))
            {
                signingKeyUpdate[field] = key.DeepClone();
            }
        }
        if (updates.Count == 0 && signingKeyUpdate.Count == 1)
        {
            return;
        }
        foreach (var update in updates)
        {
            // spec: prev_id lists the updates not referred to yet: sent in series, that is the previous one.
            update["prev_id"] = streamId > 0 ? new JsonArray(streamId) : new JsonArray();
            update["stream_id"] = ++streamId;
        }
        var destinations = await ServersSharingRoomsAsync(user, cancellationToken);
        foreach (var destination in destinations)
        {
            foreach (var update in updates)
            {
                await sender.SendDurableEduAsync(destination, EduTypes.DeviceListUpdate, JsonSerializer.SerializeToElement(update), cancellationToken);
            }
            if (signingKeyUpdate.Count > 1)
            {
                await sender.SendDurableEduAsync(destination, EduTypes.SigningKeyUpdate, JsonSerializer.SerializeToElement(signingKeyUpdate), cancellationToken);
            }
        }
        // Recorded after queueing: a crash in between re-sends the same stream IDs, which receivers ignore as seen.
        await database.DeviceListOutbound.SetAnnouncedAsync(user, streamId, current.ToJsonString(), cancellationToken);
        LogAnnounced(user, updates.Count, signingKeyUpdate.Count > 1, destinations.Count);
    }

    /// <summary>What other servers may know of the user's devices: those with identity keys, and the public cross-signing keys.</summary>
    private async Task<JsonObject> SnapshotAsync(UserId user, CancellationToken cancellationToken)
    {
        var devices = new JsonObject();
        foreach (var record in await database.E2eeKeys.GetDevicesWithKeysAsync([user], cancellationToken))
        {
            if (record.KeyJson is null)
            {
                continue;
            }
            var device = new JsonObject { ["keys"] = JsonNode.Parse(record.KeyJson) };
            if (record.DisplayName is not null)
            {
                device["device_display_name"] = record.DisplayName;
            }
            devices[record.DeviceId.Value] = device;
        }
        var snapshot = new JsonObject { ["devices"] = devices };
        var crossSigning = await database.E2eeKeys.GetCrossSigningKeysAsync(user, cancellationToken);
        if (crossSigning.TryGetValue(CrossSigningKeyTypes.Master, out string? master))
        {
            snapshot["master_key"] = JsonNode.Parse(master);
        }
        if (crossSigning.TryGetValue(CrossSigningKeyTypes.SelfSigning, out string? selfSigning))
        {
            snapshot["self_signing_key"] = JsonNode.Parse(selfSigning);
        }
        return snapshot;
    }

    /// <summary>The other servers with a user joined to a room the user is joined to.</summary>
    private async Task<IReadOnlyCollection<ServerName>> ServersSharingRoomsAsync(UserId user, CancellationToken cancellationToken)
    {
        var servers = new HashSet<ServerName>();
        foreach (var room in await database.Memberships.GetRoomsForUserAsync(user, Membership.Join, cancellationToken))
        {
            foreach (var member in await database.Memberships.GetMembersAsync(room, Membership.Join, cancellationToken))
            {
                if (member.Server != config.ServerName)
                {
                    servers.Add(member.Server);
                }
            }
        }
        return servers;
    }

    public override void Dispose()
    {
        _wake.Dispose();
        _running.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Announced {Count} device change(s) of {User} (signing keys: {SigningKeys}) to {Servers} server(s).")]
    private partial void LogAnnounced(UserId user, int count, bool signingKeys, int servers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Announcing device-list changes failed; retrying.")]
    private partial void LogRoundFailed(Exception e);
}
