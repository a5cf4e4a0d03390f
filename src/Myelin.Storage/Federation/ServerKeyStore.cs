using System.Data.Common;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Federation;

internal sealed class ServerKeyStore(StorageEngine engine) : IServerKeyStore
{
    private const string KeyColumns = "server_name, key_id, verify_key, valid_until_ts, expired_ts, fetched_ts";

    public Task StoreAsync(ServerKeyResponseRecord response, IReadOnlyList<ServerVerifyKeyRecord> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(keys);
        return engine.WriteAsync(async db =>
        {
            await db.ExecuteAsync(
                "INSERT INTO server_key_responses (server_name, from_server, valid_until_ts, fetched_ts, response_json) " +
                "VALUES (@server_name, @from_server, @valid_until_ts, @fetched_ts, @json) " +
                "ON CONFLICT (server_name) DO UPDATE SET from_server = excluded.from_server, valid_until_ts = excluded.valid_until_ts, " +
                "fetched_ts = excluded.fetched_ts, response_json = excluded.response_json " +
                "WHERE excluded.valid_until_ts >= server_key_responses.valid_until_ts",
                ("server_name", response.ServerName.Value), ("from_server", response.FromServer.Value),
                ("valid_until_ts", response.ValidUntilTs), ("fetched_ts", response.FetchedTs), ("json", response.Json));
            foreach (var key in keys)
            {
                await db.ExecuteAsync(
                    $"INSERT INTO server_signature_keys ({KeyColumns}) " +
                    "VALUES (@server_name, @key_id, @verify_key, @valid_until_ts, @expired_ts, @fetched_ts) " +
                    "ON CONFLICT (server_name, key_id) DO UPDATE SET verify_key = excluded.verify_key, " +
                    "valid_until_ts = excluded.valid_until_ts, expired_ts = excluded.expired_ts, fetched_ts = excluded.fetched_ts",
                    ("server_name", key.ServerName.Value), ("key_id", key.KeyId.Value), ("verify_key", key.VerifyKey),
                    ("valid_until_ts", key.ValidUntilTs), ("expired_ts", key.ExpiredTs), ("fetched_ts", key.FetchedTs));
            }
            return 0;
        }, cancellationToken);
    }

    public Task<ServerVerifyKeyRecord?> GetKeyAsync(ServerName serverName, KeyId keyId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync(
            $"SELECT {KeyColumns} FROM server_signature_keys WHERE server_name = @server_name AND key_id = @key_id",
            ReadKey, ("server_name", serverName.Value), ("key_id", keyId.Value)), cancellationToken);

    public Task<IReadOnlyList<ServerVerifyKeyRecord>> GetKeysAsync(ServerName serverName, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<ServerVerifyKeyRecord>>(async db => await db.QueryAsync(
            $"SELECT {KeyColumns} FROM server_signature_keys WHERE server_name = @server_name ORDER BY key_id",
            ReadKey, ("server_name", serverName.Value)), cancellationToken);

    public Task<ServerKeyResponseRecord?> GetResponseAsync(ServerName serverName, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync(
            "SELECT server_name, from_server, valid_until_ts, fetched_ts, response_json FROM server_key_responses WHERE server_name = @server_name",
            r => new ServerKeyResponseRecord(ServerName.Parse(r.GetString(0)), ServerName.Parse(r.GetString(1)), r.GetInt64(2), r.GetInt64(3), r.GetString(4)),
            ("server_name", serverName.Value)), cancellationToken);

    private static ServerVerifyKeyRecord ReadKey(DbDataReader r) =>
        new(ServerName.Parse(r.GetString(0)), KeyId.Parse(r.GetString(1)), r.GetString(2), r.GetInt64(3), r.GetNullableInt64(4), r.GetInt64(5));
}
