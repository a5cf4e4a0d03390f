using Myelin.Protocol.Identifiers;
using Myelin.Storage.E2ee;
using Myelin.Storage.Streams;
using Myelin.Storage.Tests.Infrastructure;
using Myelin.Storage.ToDevice;
using Myelin.Storage.Users;

namespace Myelin.Storage.Tests.E2ee;

public abstract class E2eeKeyStoreTests : StorageTestBase
{
    private static readonly UserId Alice = Ids.User("alice");
    private static readonly UserId Bob = Ids.User("bob");
    private static readonly DeviceId Phone = Ids.Device("PHONE");

    private async Task CreateAliceAsync()
    {
        await Db.Users.CreateAsync(new NewUser(Alice, "h", 1));
        await Db.Devices.CreateAsync(Alice, Phone, null, 1);
    }

    [Fact]
    public async Task Device_keys_are_stored_once_and_record_a_device_list_change()
    {
        Assert.False(await Db.E2eeKeys.AddDeviceKeysAsync(Alice, Phone, "{}"));
        await CreateAliceAsync();
        var before = await Db.Streams.GetCurrentAsync(StreamName.DeviceLists);

        Assert.True(await Db.E2eeKeys.AddDeviceKeysAsync(Alice, Phone, "{\"a\":1}"));
        Assert.False(await Db.E2eeKeys.AddDeviceKeysAsync(Alice, Phone, "{\"a\":2}"));
        Assert.Equal("{\"a\":1}", await Db.E2eeKeys.GetDeviceKeysAsync(Alice, Phone));
        Assert.Equal([Alice], await Db.Devices.GetDeviceListChangesAsync(before));
        var record = Assert.Single(await Db.E2eeKeys.GetDevicesWithKeysAsync([Alice, Bob]));
        Assert.Equal(("{\"a\":1}", Phone), (record.KeyJson, record.DeviceId));

        Assert.True(await Db.E2eeKeys.ReplaceDeviceKeysAsync(Alice, Phone, "{\"a\":3}"));
        Assert.Equal("{\"a\":3}", await Db.E2eeKeys.GetDeviceKeysAsync(Alice, Phone));
    }

    [Fact]
    public async Task One_time_keys_conflict_atomically_and_are_claimed_oldest_first_then_the_fallback()
    {
        await CreateAliceAsync();
        Assert.Null(await Db.E2eeKeys.AddOneTimeKeysAsync(Alice, Phone, [new("curve", "B", "\"b\"")], uploadTs: 1));
        Assert.Null(await Db.E2eeKeys.AddOneTimeKeysAsync(Alice, Phone, [new("curve", "A", "\"a\""), new("curve", "B", "\"b\"")], uploadTs: 2));
        Assert.Equal("curve:B", await Db.E2eeKeys.AddOneTimeKeysAsync(Alice, Phone, [new("curve", "C", "\"c\""), new("curve", "B", "\"x\"")], uploadTs: 3));
        Assert.Equal(2, (await Db.E2eeKeys.CountOneTimeKeysAsync(Alice, Phone))["curve"]);

        var claim = new KeyClaim(Alice, Phone, "curve");
        Assert.Equal("B", Assert.Single(await Db.E2eeKeys.ClaimAsync([claim])).KeyId);
        Assert.Equal("A", Assert.Single(await Db.E2eeKeys.ClaimAsync([claim])).KeyId);
        Assert.Empty(await Db.E2eeKeys.ClaimAsync([claim, new KeyClaim(Bob, Phone, "curve")]));

        await Db.E2eeKeys.SetFallbackKeysAsync(Alice, Phone, [new("curve", "F", "\"f\"")]);
        Assert.Equal(["curve"], await Db.E2eeKeys.GetUnusedFallbackKeyTypesAsync(Alice, Phone));
        var fallback = Assert.Single(await Db.E2eeKeys.ClaimAsync([claim]));
        Assert.True(fallback.Fallback);
        Assert.Empty(await Db.E2eeKeys.GetUnusedFallbackKeyTypesAsync(Alice, Phone));
        // Re-uploading the same fallback key keeps it used; a new one is unused.
        await Db.E2eeKeys.SetFallbackKeysAsync(Alice, Phone, [new("curve", "F", "\"f\"")]);
        Assert.Empty(await Db.E2eeKeys.GetUnusedFallbackKeyTypesAsync(Alice, Phone));
        await Db.E2eeKeys.SetFallbackKeysAsync(Alice, Phone, [new("curve", "G", "\"g\"")]);
        Assert.Equal(["curve"], await Db.E2eeKeys.GetUnusedFallbackKeyTypesAsync(Alice, Phone));
    }

    [Fact]
    public async Task Cross_signing_keys_and_user_signatures_round_trip()
    {
        await CreateAliceAsync();
        var before = await Db.Streams.GetCurrentAsync(StreamName.DeviceLists);
        await Db.E2eeKeys.SetCrossSigningKeysAsync(Alice, new Dictionary<string, string> { ["master"] = "{\"m\":1}" }, deviceListChange: true);
        await Db.E2eeKeys.SetCrossSigningKeysAsync(Alice, new Dictionary<string, string> { ["master"] = "{\"m\":2}", ["self_signing"] = "{}" }, deviceListChange: false);
        var keys = await Db.E2eeKeys.GetCrossSigningKeysAsync(Alice);
        Assert.Equal("{\"m\":2}", keys["master"]);
        Assert.Equal(2, keys.Count);
        Assert.Equal([Alice], await Db.Devices.GetDeviceListChangesAsync(before));

        await Db.E2eeKeys.AddUserSignatureAsync(Bob, "ed25519:usk", Alice, "pub", "sig1");
        await Db.E2eeKeys.AddUserSignatureAsync(Bob, "ed25519:usk", Alice, "pub", "sig2");
        Assert.Equal("sig2", (await Db.E2eeKeys.GetUserSignaturesAsync(Bob, Alice, "pub"))["ed25519:usk"]);
        Assert.Empty(await Db.E2eeKeys.GetUserSignaturesAsync(Alice, Alice, "pub"));
    }

    [Fact]
    public async Task To_device_transactions_are_sent_once()
    {
        await CreateAliceAsync();
        OutgoingToDeviceMessage[] messages = [new(Alice, Phone, Bob, "m.test", "{}")];
        var first = await Db.ToDeviceTransactions.SendOnceAsync(Bob, Phone, "t1", messages);
        Assert.NotNull(first);
        Assert.Null(await Db.ToDeviceTransactions.SendOnceAsync(Bob, Phone, "t1", messages));
        Assert.NotNull(await Db.ToDeviceTransactions.SendOnceAsync(Bob, Ids.Device("OTHER"), "t1", messages));
        Assert.Equal(2, (await Db.ToDevice.GetAsync(Alice, Phone, new StreamPosition(0), new StreamPosition(first.Value.Value + 10), 10)).Count);
    }

    [Fact]
    public async Task Concurrent_claims_never_hand_out_the_same_one_time_key_twice()
    {
        await CreateAliceAsync();
        const int keys = 40;
        Assert.Null(await Db.E2eeKeys.AddOneTimeKeysAsync(Alice, Phone,
            [.. Enumerable.Range(0, keys).Select(i => new DeviceKey("curve", $"K{i:D2}", $"\"k{i}\""))], uploadTs: 1));

        // More claimers than keys, all at once: each key goes to one claimer, the rest get nothing (no fallback key).
        var claim = new KeyClaim(Alice, Phone, "curve");
        var results = await Task.WhenAll(Enumerable.Range(0, keys + 10).Select(_ => Task.Run(() => Db.E2eeKeys.ClaimAsync([claim]))));
        var handedOut = results.SelectMany(r => r).Select(k => k.KeyId).ToList();
        Assert.Equal(keys, handedOut.Count);
        Assert.Equal(keys, handedOut.Distinct().Count());
        Assert.Empty(await Db.E2eeKeys.CountOneTimeKeysAsync(Alice, Phone));
    }
}

public sealed class E2eeKeyStoreTests_Sqlite : E2eeKeyStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class E2eeKeyStoreTests_Postgres : E2eeKeyStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
