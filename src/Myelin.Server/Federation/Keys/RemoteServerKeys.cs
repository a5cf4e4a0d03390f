using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Client;
using Myelin.Server.ServerKeys;
using Myelin.Storage;
using Myelin.Storage.Federation;

namespace Myelin.Server.Federation.Keys;

/// <summary>
/// Other servers' signing keys: from memory, then the database, then fetched from the server itself
/// (<c>/_matrix/key/v2/server</c>) or, failing that, from the trusted notaries (<c>trusted_key_servers</c>,
/// <c>POST /_matrix/key/v2/query</c>). Every fetched document is validated (<see cref="ServerKeyResponse"/>) and
/// cached with its validity capped at 7 days. spec: server-server "Retrieving server keys".
/// </summary>
public sealed partial class RemoteServerKeys
{
    private readonly MyelinDatabase _database;
    private readonly FederationClient _client;
    private readonly ServerKeyRing _own;
    private readonly MyelinConfig _config;
    private readonly FederationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RemoteServerKeys> _logger;
    private readonly ConcurrentDictionary<(string Server, string KeyId), ServerVerifyKeyRecord> _cache = new();
    private readonly ConcurrentDictionary<string, Lazy<Task>> _inflight = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, long> _failedUntil = new(StringComparer.OrdinalIgnoreCase);

    public RemoteServerKeys(MyelinDatabase database, FederationClient client, ServerKeyRing own, MyelinConfig config,
        FederationOptions options, TimeProvider time, ILogger<RemoteServerKeys> logger)
    {
        _database = database;
        _client = client;
        _own = own;
        _config = config;
        _options = options;
        _time = time;
        _logger = logger;
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// The key <paramref name="keyId"/> of <paramref name="server"/> if it is valid until at least
    /// <paramref name="minimumValidUntilTs"/>, fetching it if needed; null if it cannot be found.
    /// </summary>
    /// <param name="acceptOld">True for event signatures: a key under <c>old_verify_keys</c> counts until its expired_ts.
    /// False for request signatures, which only current keys may make.</param>
    /// <param name="allowNotaries">False to ask only the server itself (used for the notaries' own keys).</param>
    public async Task<VerifyKey?> GetVerifyKeyAsync(ServerName server, KeyId keyId, long minimumValidUntilTs, bool acceptOld,
        bool allowNotaries = true, CancellationToken cancellationToken = default)
    {
        if (server == _own.ServerName)
        {
            return _own.FindVerifyKey(keyId, acceptOld);
        }
        if (await FindUsableAsync(server, keyId, minimumValidUntilTs, acceptOld, cancellationToken) is { } known)
        {
            return known;
        }
        if (_failedUntil.TryGetValue(server.Value, out long until) && Now < until)
        {
            return null;
        }
        var fetch = _inflight.GetOrAdd(server.Value, _ => new Lazy<Task>(() => FetchAsync(server, keyId, minimumValidUntilTs, allowNotaries)));
        try
        {
            await fetch.Value.WaitAsync(cancellationToken);
        }
        finally
        {
            _inflight.TryRemove(new KeyValuePair<string, Lazy<Task>>(server.Value, fetch));
        }
        var found = await FindUsableAsync(server, keyId, minimumValidUntilTs, acceptOld, cancellationToken);
        if (found is null)
        {
            _failedUntil[server.Value] = Now + (long)_options.KeyFetchFailureBackoff.TotalMilliseconds;
        }
        return found;
    }

    /// <summary>
    /// For answering <c>/_matrix/key/v2/query</c> as a notary: <paramref name="server"/>'s own signed key document,
    /// refetched when it is not valid until <paramref name="minimumValidUntilTs"/> or half its lifetime has passed;
    /// the last one received if the server cannot be reached; null if there never was one.
    /// spec: keys_server "Intermediate notary servers should cache a response for half of its lifetime".
    /// </summary>
    public async Task<JsonElement?> GetKeyDocumentAsync(ServerName server, long minimumValidUntilTs, CancellationToken cancellationToken = default)
    {
        if (server == _own.ServerName)
        {
            using var own = JsonDocument.Parse(_own.GetPublishedKeys());
            return own.RootElement.Clone();
        }
        var stored = await _database.ServerKeys.GetResponseAsync(server, cancellationToken);
        long now = Now;
        bool stale = stored is null || stored.ValidUntilTs < minimumValidUntilTs
            || now > stored.FetchedTs + (stored.ValidUntilTs - stored.FetchedTs) / 2;
        // A server that just failed is not asked again on every query; the cached copy is served meanwhile.
        bool backingOff = _failedUntil.TryGetValue(server.Value, out long until) && now < until;
        if (stale && !backingOff)
        {
            if (!await FetchDirectAsync(server, cancellationToken))
            {
                _failedUntil[server.Value] = now + (long)_options.KeyFetchFailureBackoff.TotalMilliseconds;
            }
            stored = await _database.ServerKeys.GetResponseAsync(server, cancellationToken);
        }
        if (stored is null)
        {
            return null;
        }
        using var document = JsonDocument.Parse(stored.Json);
        return document.RootElement.Clone();
    }

    /// <summary>Fetches and stores <paramref name="server"/>'s keys from the server itself; false if that failed.</summary>
    public async Task<bool> FetchDirectAsync(ServerName server, CancellationToken cancellationToken = default)
    {
        JsonElement json;
        try
        {
            json = await _client.GetServerKeysAsync(server, cancellationToken);
        }
        catch (FederationRequestException e)
        {
            LogFetchFailed(_logger, server.Value, server.Value, e.Message);
            return false;
        }
        if (!ServerKeyResponse.TryParse(json, server, out var response, out string? error))
        {
            LogFetchFailed(_logger, server.Value, server.Value, error);
            return false;
        }
        await StoreAsync(response, server, json, cancellationToken);
        return true;
    }

    /// <summary>Asks each trusted notary for <paramref name="server"/>'s keys until one answers validly; false if none did.</summary>
    public async Task<bool> FetchViaNotariesAsync(ServerName server, CancellationToken cancellationToken = default)
    {
        foreach (var notary in _config.TrustedKeyServers)
        {
            if (!ServerName.TryParse(notary.ServerName, out ServerName notaryName) || notaryName == _own.ServerName || notaryName == server)
            {
                continue;
            }
            var query = new JsonObject
            {
                ["server_keys"] = new JsonObject { [server.Value] = new JsonObject() },
            };
            JsonElement answer;
            try
            {
                answer = await _client.QueryServerKeysAsync(notaryName, JsonSerializer.SerializeToElement(query), cancellationToken);
            }
            catch (FederationRequestException e)
            {
                LogFetchFailed(_logger, server.Value, notaryName.Value, e.Message);
                continue;
            }
            if (!answer.TryGetProperty("server_keys", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                LogFetchFailed(_logger, server.Value, notaryName.Value, "the answer has no server_keys array");
                continue;
            }
            bool stored = false;
            foreach (var item in list.EnumerateArray())
            {
                if (!ServerKeyResponse.TryParse(item, server, out var response, out string? error))
                {
                    LogFetchFailed(_logger, server.Value, notaryName.Value, error);
                    continue;
                }
                if (!await IsSignedByNotaryAsync(item, notary, notaryName, cancellationToken))
                {
                    LogFetchFailed(_logger, server.Value, notaryName.Value, "the notary's signature is missing or invalid");
                    continue;
                }
                await StoreAsync(response, notaryName, item, cancellationToken);
                stored = true;
            }
            if (stored)
            {
                return true;
            }
        }
        return false;
    }

    private async Task<bool> IsSignedByNotaryAsync(JsonElement item, TrustedKeyServer notary, ServerName notaryName, CancellationToken cancellationToken)
    {
        if (notary.VerifyKeys.Count > 0)
        {
            var keys = new List<VerifyKey>();
            foreach (var (id, base64) in notary.VerifyKeys)
            {
                if (KeyId.TryParse(id, out KeyId keyId) && VerifyKey.TryCreate(keyId, base64, out var key))
                {
                    keys.Add(key);
                }
            }
            return JsonSigning.Verify(item, notaryName.Value, keys).IsValid;
        }
        if (notary.AcceptKeysInsecurely)
        {
            return true;
        }
        // No configured key: the notary's own current keys, fetched from the notary directly.
        if (!item.TryGetProperty("signatures", out var signatures) || signatures.ValueKind != JsonValueKind.Object
            || !signatures.TryGetProperty(notaryName.Value, out var notarySignatures) || notarySignatures.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        var resolved = new Dictionary<KeyId, VerifyKey>();
        foreach (var property in notarySignatures.EnumerateObject())
        {
            if (KeyId.TryParse(property.Name, out KeyId keyId)
                && await GetVerifyKeyAsync(notaryName, keyId, Now, acceptOld: false, allowNotaries: false, cancellationToken) is { } key)
            {
                resolved[keyId] = key;
            }
        }
        return JsonSigning.Verify(item, notaryName.Value, id => resolved.GetValueOrDefault(id)).IsValid;
    }

    private async Task FetchAsync(ServerName server, KeyId keyId, long minimumValidUntilTs, bool allowNotaries)
    {
        // The shared fetch is not cancelled by one waiting caller; the client's own timeout bounds it.
        if (await FetchDirectAsync(server, CancellationToken.None)
            && await FindUsableAsync(server, keyId, minimumValidUntilTs, acceptOld: true, CancellationToken.None) is not null)
        {
            return;
        }
        if (allowNotaries)
        {
            await FetchViaNotariesAsync(server, CancellationToken.None);
        }
    }

    private async Task StoreAsync(ServerKeyResponse response, ServerName from, JsonElement json, CancellationToken cancellationToken)
    {
        long now = Now;
        long validUntil = response.EffectiveValidUntilTs(now);
        var keys = new List<ServerVerifyKeyRecord>();
        foreach (var key in response.VerifyKeys)
        {
            keys.Add(new ServerVerifyKeyRecord(response.ServerName, key.KeyId, key.PublicKeyBase64, validUntil, null, now));
        }
        foreach (var (key, expiredTs) in response.OldVerifyKeys)
        {
            // A key listed as both current and old is current.
            if (response.VerifyKeys.All(k => k.KeyId != key.KeyId))
            {
                keys.Add(new ServerVerifyKeyRecord(response.ServerName, key.KeyId, key.PublicKeyBase64, expiredTs, expiredTs, now));
            }
        }
        await _database.ServerKeys.StoreAsync(
            new ServerKeyResponseRecord(response.ServerName, from, response.ValidUntilTs, now, json.GetRawText()), keys, cancellationToken);
        foreach (var key in keys)
        {
            _cache[(key.ServerName.Value, key.KeyId.Value)] = key;
        }
        _failedUntil.TryRemove(response.ServerName.Value, out _);
    }

    private async Task<VerifyKey?> FindUsableAsync(ServerName server, KeyId keyId, long minimumValidUntilTs, bool acceptOld, CancellationToken cancellationToken)
    {
        if (!_cache.TryGetValue((server.Value, keyId.Value), out var record))
        {
            record = await _database.ServerKeys.GetKeyAsync(server, keyId, cancellationToken);
            if (record is null)
            {
                return null;
            }
            _cache[(server.Value, keyId.Value)] = record;
        }
        bool usable = record.ExpiredTs is { } expired
            ? acceptOld && expired >= minimumValidUntilTs
            : record.ValidUntilTs >= minimumValidUntilTs;
        return usable && VerifyKey.TryCreate(record.KeyId, record.VerifyKey, out var key) ? key : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetching the keys of {Server} from {From} failed: {Reason}")]
    private static partial void LogFetchFailed(ILogger logger, string server, string from, string reason);
}
