using Myelin.Protocol.Identifiers;
using Myelin.Storage.Federation;
using Myelin.Storage.Tests.Infrastructure;

namespace Myelin.Storage.Tests.Federation;

public abstract class ServerKeyStoreTests : StorageTestBase
{
    private static readonly ServerName Remote = ServerName.Parse("remote.example:8448");
    private static readonly ServerName Notary = ServerName.Parse("notary.example");
    private static readonly KeyId Current = KeyId.Parse("ed25519:new");
    private static readonly KeyId Old = KeyId.Parse("ed25519:old");

    [Fact]
    public async Task Keys_and_response_are_stored_and_read_back()
    {
        Assert.Null(await Db.ServerKeys.GetKeyAsync(Remote, Current));
        Assert.Null(await Db.ServerKeys.GetResponseAsync(Remote));

        var response = new ServerKeyResponseRecord(Remote, Remote, 5000, 100, "{\"server_name\":\"remote.example:8448\"}");
        ServerVerifyKeyRecord[] keys =
        [
            new(Remote, Current, "AAAA", 5000, null, 100),
            new(Remote, Old, "BBBB", 40, 40, 100),
        ];
        await Db.ServerKeys.StoreAsync(response, keys);

        Assert.Equal(keys[0], await Db.ServerKeys.GetKeyAsync(Remote, Current));
        Assert.Equal(keys[1], await Db.ServerKeys.GetKeyAsync(Remote, Old));
        Assert.Null(await Db.ServerKeys.GetKeyAsync(Notary, Current));
        Assert.Equal([keys[0], keys[1]], await Db.ServerKeys.GetKeysAsync(Remote));
        Assert.Equal(response, await Db.ServerKeys.GetResponseAsync(Remote));
    }

    [Fact]
    public async Task A_fresher_fetch_updates_keys_but_a_shorter_lived_response_does_not_replace_the_stored_one()
    {
        var first = new ServerKeyResponseRecord(Remote, Remote, 5000, 100, "{\"v\":1}");
        await Db.ServerKeys.StoreAsync(first, [new(Remote, Current, "AAAA", 5000, null, 100)]);

        // The key was rotated: now an old key. The notary's answer is valid for less time than the stored response.
        var fromNotary = new ServerKeyResponseRecord(Remote, Notary, 4000, 200, "{\"v\":2}");
        var rotated = new ServerVerifyKeyRecord(Remote, Current, "AAAA", 150, 150, 200);
        await Db.ServerKeys.StoreAsync(fromNotary, [rotated]);
        Assert.Equal(rotated, await Db.ServerKeys.GetKeyAsync(Remote, Current));
        Assert.Equal(first, await Db.ServerKeys.GetResponseAsync(Remote));

        var longer = new ServerKeyResponseRecord(Remote, Notary, 9000, 300, "{\"v\":3}");
        await Db.ServerKeys.StoreAsync(longer, []);
        Assert.Equal(longer, await Db.ServerKeys.GetResponseAsync(Remote));
    }
}

public sealed class ServerKeyStoreTests_Sqlite : ServerKeyStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class ServerKeyStoreTests_Postgres : ServerKeyStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
