using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Client;
using Myelin.Server.Federation.Edus;
using Myelin.Server.Rooms;
using Myelin.Server.Streams;
using Myelin.Storage;
using Myelin.Storage.E2ee;

namespace Myelin.Server.E2ee.Federation;

/// <summary>
/// The cache of remote users' device lists: filled from <c>GET /_matrix/federation/v1/user/devices/{userId}</c> for
/// users who share a room with a local user, then kept current by their server's <c>m.device_list_update</c> and
/// <c>m.signing_key_update</c> EDUs; a gap in the update chain triggers a refetch. Changes wake local users' /sync
/// (<c>device_lists.changed</c>). spec: server-server "Device Management".
/// </summary>
public sealed partial class RemoteDeviceLists : IHostedService
{
    /// <summary>How long an EDU waits for a refetch of the list it could not apply.</summary>
    private static readonly TimeSpan ResyncTimeout = TimeSpan.FromSeconds(10);

    // Updates and refetches of one user's list are applied one at a time, in arrival order.
    private readonly SemaphoreSlim[] _locks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly MyelinDatabase _database;
    private readonly MyelinConfig _config;
    private readonly FederationClient _federation;
    private readonly Notifier _notifier;
    private readonly TimeProvider _time;
    private readonly ILogger<RemoteDeviceLists> _logger;

    /// <summary>Registered as a hosted service too, so that it follows membership changes from the start.</summary>
    public RemoteDeviceLists(MyelinDatabase database, MyelinConfig config, FederationClient federation, Notifier notifier, TimeProvider time,
        RoomEventWriter writer, ILogger<RemoteDeviceLists> logger)
    {
        _database = database;
        _config = config;
        _federation = federation;
        _notifier = notifier;
        _time = time;
        _logger = logger;
        writer.EventPersisted += OnEventPersistedAsync;
    }

    Task IHostedService.StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedService.StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Whether a local user is joined to a room <paramref name="user"/> is joined to (only then is their list cached).</summary>
    public async Task<bool> SharesRoomWithLocalUserAsync(UserId user, CancellationToken cancellationToken)
    {
        foreach (var room in await _database.Memberships.GetRoomsForUserAsync(user, Membership.Join, cancellationToken))
        {
            if ((await _database.Memberships.GetMembersAsync(room, Membership.Join, cancellationToken)).Any(m => m.Server == _config.ServerName))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Whether the cached list can answer a query: cached, not stale, and still maintained (the user shares a room with
    /// a local user, so their server sends us updates). A list no longer maintained is forgotten.
    /// </summary>
    public async Task<bool> IsCurrentAsync(UserId user, CancellationToken cancellationToken)
    {
        var state = await _database.RemoteDeviceLists.GetStateAsync(user, cancellationToken);
        if (state is null)
        {
            return false;
        }
        if (!await SharesRoomWithLocalUserAsync(user, cancellationToken))
        {
            await _database.RemoteDeviceLists.DeleteAsync(user, cancellationToken);
            return false;
        }
        return !state.Stale;
    }

    /// <summary>Adds the cached keys of <paramref name="user"/> (the wanted devices, or all when null) to <paramref name="result"/>.</summary>
    public async Task AddCachedKeysAsync(UserId user, HashSet<string>? devices, KeyQueryResult result, CancellationToken cancellationToken)
    {
        var records = await _database.RemoteDeviceLists.GetDevicesAsync([user], cancellationToken);
        var crossSigning = await _database.RemoteDeviceLists.GetCrossSigningKeysAsync(user, cancellationToken);
        result.Merge(r =>
        {
            var userDevices = new JsonObject();
            foreach (var record in records)
            {
                if (record.KeyJson is not null && (devices is null || devices.Contains(record.DeviceId.Value)))
                {
                    userDevices[record.DeviceId.Value] = E2eeKeyService.WithDisplayName(record.KeyJson, record.DisplayName);
                }
            }
            r.DeviceKeys[user.Value] = userDevices;
            if (crossSigning.TryGetValue(CrossSigningKeyTypes.Master, out string? master))
            {
                r.MasterKeys[user.Value] = JsonNode.Parse(master);
            }
            if (crossSigning.TryGetValue(CrossSigningKeyTypes.SelfSigning, out string? selfSigning))
            {
                r.SelfSigningKeys[user.Value] = JsonNode.Parse(selfSigning);
            }
        });
    }

    /// <summary>
    /// Refetches the user's whole list from their server and caches it; throws <see cref="FederationRequestException"/>
    /// when the server cannot be reached or answers nonsense.
    /// </summary>
    public async Task ResyncAsync(UserId user, CancellationToken cancellationToken)
    {
        var gate = Lock(user);
        await gate.WaitAsync(cancellationToken);
        try
        {
            await ResyncLockedAsync(user, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Applies an <c>m.device_list_update</c> from <paramref name="origin"/>: in order when its <c>prev_id</c>s are all
    /// known, else (a lost update, or a list not cached yet) by refetching the list.
    /// </summary>
    public async Task ApplyDeviceListUpdateAsync(ServerName origin, JsonElement content, CancellationToken cancellationToken)
    {
        if (!TryReadUpdate(content, out var update, out string? problem))
        {
            LogIgnored(EduTypes.DeviceListUpdate, origin, problem);
            return;
        }
        if (update.User.Server != origin)
        {
            LogIgnored(EduTypes.DeviceListUpdate, origin, $"{update.User} is not a user of the origin");
            return;
        }
        if (!await SharesRoomWithLocalUserAsync(update.User, cancellationToken))
        {
            // Nobody here tracks this user; a later query fetches the whole list.
            return;
        }
        var gate = Lock(update.User);
        await gate.WaitAsync(cancellationToken);
        try
        {
            var state = await _database.RemoteDeviceLists.GetStateAsync(update.User, cancellationToken);
            if (state is { Stale: false } && update.StreamId <= state.StreamId)
            {
                return;
            }
            // spec: "If the receiving server does not recognise any of the prev_ids, it means an EDU has been lost":
            // the cached list reflects every update up to its stream ID, so earlier IDs are known.
            if (state is { Stale: false } && update.PrevIds.All(p => p <= state.StreamId))
            {
                var device = update.Deleted ? null : new RemoteDevice(update.DeviceId, update.DisplayName, update.KeyJson);
                await _database.RemoteDeviceLists.ApplyUpdateAsync(update.User, update.StreamId, update.DeviceId, device, Now, cancellationToken);
                await NotifyAsync(update.User, cancellationToken);
                return;
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ResyncTimeout);
            try
            {
                await ResyncLockedAsync(update.User, timeout.Token);
            }
            catch (Exception e) when (e is FederationRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                LogResyncFailed(update.User, e.Message);
                if (state is not null)
                {
                    // Queries go to the user's server until a later update or query refetches the list.
                    await _database.RemoteDeviceLists.MarkStaleAsync(update.User, cancellationToken);
                    await NotifyAsync(update.User, cancellationToken);
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stores the cross-signing keys of an <c>m.signing_key_update</c> from <paramref name="origin"/>.</summary>
    public async Task ApplySigningKeyUpdateAsync(ServerName origin, JsonElement content, CancellationToken cancellationToken)
    {
        if (content.ValueKind != JsonValueKind.Object || !content.TryGetProperty("user_id", out var userNode) || userNode.ValueKind != JsonValueKind.String
            || !UserId.TryParse(userNode.GetString(), out var user))
        {
            LogIgnored(EduTypes.SigningKeyUpdate, origin, "no valid user_id");
            return;
        }
        if (user.Server != origin)
        {
            LogIgnored(EduTypes.SigningKeyUpdate, origin, $"{user} is not a user of the origin");
            return;
        }
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, usage) in new[] { ("master_key", CrossSigningKeyTypes.Master), ("self_signing_key", CrossSigningKeyTypes.SelfSigning) })
        {
            if (content.TryGetProperty(field, out var key) && ReadCrossSigningKey(key, user, usage) is { } json)
            {
                keys[usage] = json;
            }
        }
        if (keys.Count == 0 || !await SharesRoomWithLocalUserAsync(user, cancellationToken))
        {
            return;
        }
        var gate = Lock(user);
        await gate.WaitAsync(cancellationToken);
        try
        {
            await _database.RemoteDeviceLists.SetCrossSigningKeysAsync(user, keys, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
        await NotifyAsync(user, cancellationToken);
    }

    /// <summary>
    /// A cross-signing key object for <paramref name="user"/> with <paramref name="usage"/>, as JSON text, or null when
    /// the value is not one (spec: definitions/cross_signing_key.yaml: user_id, usage, keys).
    /// </summary>
    public static string? ReadCrossSigningKey(JsonElement key, UserId user, string usage) =>
        key.ValueKind == JsonValueKind.Object
        && key.TryGetProperty("user_id", out var owner) && owner.ValueKind == JsonValueKind.String && owner.GetString() == user.Value
        && key.TryGetProperty("usage", out var usages) && usages.ValueKind == JsonValueKind.Array
        && usages.EnumerateArray().Any(u => u.ValueKind == JsonValueKind.String && u.GetString() == usage)
        && key.TryGetProperty("keys", out var keys) && keys.ValueKind == JsonValueKind.Object
            ? key.GetRawText()
            : null;

    /// <summary>
    /// A device key object for <paramref name="user"/>'s <paramref name="device"/> as JSON text, or null when the value
    /// is not one (spec: definitions/device_keys.yaml; its user_id and device_id must name the device).
    /// </summary>
    public static string? ReadDeviceKeys(JsonElement keys, UserId user, string device) =>
        keys.ValueKind == JsonValueKind.Object
        && keys.TryGetProperty("user_id", out var owner) && owner.ValueKind == JsonValueKind.String && owner.GetString() == user.Value
        && keys.TryGetProperty("device_id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() == device
        && keys.TryGetProperty("keys", out var identityKeys) && identityKeys.ValueKind == JsonValueKind.Object
            ? keys.GetRawText()
            : null;

    /// <summary>
    /// A membership ended (leave, ban, ...): the remote users who no longer share a room with any local user lose
    /// their cached list at once — their servers stop sending updates, so it cannot stay current, and a later rejoin
    /// must not find a list that missed the updates in between.
    /// </summary>
    private async ValueTask OnEventPersistedAsync(Pdu pdu, CancellationToken cancellationToken)
    {
        if (pdu.Type != EventTypes.Member || !UserId.TryParse(pdu.StateKey, out var target)
            || (pdu.Content.ValueKind == JsonValueKind.Object && pdu.Content.TryGetProperty("membership", out var membership)
                && membership.ValueKind == JsonValueKind.String && membership.GetString() == Membership.Join))
        {
            return;
        }
        var candidates = target.Server != _config.ServerName
            ? [target]
            : (await _database.Memberships.GetMembersAsync(pdu.RoomId, Membership.Join, cancellationToken)).Where(m => m.Server != _config.ServerName).ToList();
        foreach (var user in candidates)
        {
            if (await _database.RemoteDeviceLists.GetStateAsync(user, cancellationToken) is null || await SharesRoomWithLocalUserAsync(user, cancellationToken))
            {
                continue;
            }
            var gate = Lock(user);
            await gate.WaitAsync(cancellationToken);
            try
            {
                await _database.RemoteDeviceLists.DeleteAsync(user, cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }
    }

    private async Task ResyncLockedAsync(UserId user, CancellationToken cancellationToken)
    {
        var answer = await _federation.GetAsync(user.Server, "/_matrix/federation/v1/user/devices/" + Uri.EscapeDataString(user.Value), cancellationToken);
        if (!answer.TryGetProperty("stream_id", out var streamNode) || streamNode.ValueKind != JsonValueKind.Number || !streamNode.TryGetInt64(out long streamId)
            || !answer.TryGetProperty("devices", out var devicesNode) || devicesNode.ValueKind != JsonValueKind.Array)
        {
            throw new FederationRequestException(user.Server, "The user/devices answer lacks an integer 'stream_id' or a 'devices' array.");
        }
        var devices = new List<RemoteDevice>();
        foreach (var entry in devicesNode.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("device_id", out var idNode) || idNode.ValueKind != JsonValueKind.String
                || !DeviceId.TryParse(idNode.GetString(), out var deviceId))
            {
                continue;
            }
            string? name = entry.TryGetProperty("device_display_name", out var nameNode) && nameNode.ValueKind == JsonValueKind.String ? nameNode.GetString() : null;
            string? keys = entry.TryGetProperty("keys", out var keysNode) ? ReadDeviceKeys(keysNode, user, deviceId.Value) : null;
            devices.Add(new RemoteDevice(deviceId, name, keys));
        }
        var crossSigning = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, usage) in new[] { ("master_key", CrossSigningKeyTypes.Master), ("self_signing_key", CrossSigningKeyTypes.SelfSigning) })
        {
            if (answer.TryGetProperty(field, out var key) && ReadCrossSigningKey(key, user, usage) is { } json)
            {
                crossSigning[usage] = json;
            }
        }
        await _database.RemoteDeviceLists.ReplaceAsync(user, streamId, devices, crossSigning, Now, cancellationToken);
        await NotifyAsync(user, cancellationToken);
    }

    private static bool TryReadUpdate(JsonElement content, out DeviceListUpdate update, out string? problem)
    {
        update = default!;
        problem = null;
        if (content.ValueKind != JsonValueKind.Object)
        {
            problem = "content is not an object";
            return false;
        }
        if (!content.TryGetProperty("user_id", out var userNode) || userNode.ValueKind != JsonValueKind.String || !UserId.TryParse(userNode.GetString(), out var user))
        {
            problem = "no valid user_id";
            return false;
        }
        if (!content.TryGetProperty("device_id", out var deviceNode) || deviceNode.ValueKind != JsonValueKind.String || !DeviceId.TryParse(deviceNode.GetString(), out var device))
        {
            problem = "no valid device_id";
            return false;
        }
        if (!content.TryGetProperty("stream_id", out var streamNode) || streamNode.ValueKind != JsonValueKind.Number || !streamNode.TryGetInt64(out long streamId))
        {
            problem = "no integer stream_id";
            return false;
        }
        var prevIds = new List<long>();
        if (content.TryGetProperty("prev_id", out var prevNode) && prevNode.ValueKind != JsonValueKind.Null)
        {
            if (prevNode.ValueKind != JsonValueKind.Array || prevNode.EnumerateArray().Any(p => p.ValueKind != JsonValueKind.Number || !p.TryGetInt64(out _)))
            {
                problem = "prev_id is not an array of integers";
                return false;
            }
            prevIds.AddRange(prevNode.EnumerateArray().Select(p => p.GetInt64()));
        }
        bool deleted = content.TryGetProperty("deleted", out var deletedNode) && deletedNode.ValueKind == JsonValueKind.True;
        string? name = content.TryGetProperty("device_display_name", out var nameNode) && nameNode.ValueKind == JsonValueKind.String ? nameNode.GetString() : null;
        string? keys = content.TryGetProperty("keys", out var keysNode) ? ReadDeviceKeys(keysNode, user, device.Value) : null;
        update = new DeviceListUpdate(user, device, streamId, prevIds, deleted, name, keys);
        return true;
    }

    /// <summary>Wakes the /sync of local users sharing a room with <paramref name="user"/>.</summary>
    private async Task NotifyAsync(UserId user, CancellationToken cancellationToken)
    {
        foreach (var room in await _database.Memberships.GetRoomsForUserAsync(user, Membership.Join, cancellationToken))
        {
            _notifier.NotifyRoom(room);
        }
    }

    private SemaphoreSlim Lock(UserId user) => _locks[(StringComparer.Ordinal.GetHashCode(user.Value) & int.MaxValue) % _locks.Length];

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private sealed record DeviceListUpdate(UserId User, DeviceId DeviceId, long StreamId, IReadOnlyList<long> PrevIds, bool Deleted, string? DisplayName, string? KeyJson);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ignored {EduType} from {Origin}: {Problem}.")]
    private partial void LogIgnored(string eduType, ServerName origin, string? problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refetch the device list of {User}: {Error}")]
    private partial void LogResyncFailed(UserId user, string error);
}
