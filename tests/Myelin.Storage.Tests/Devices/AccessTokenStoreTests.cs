using Myelin.Protocol.Identifiers;
using Myelin.Storage.Tests.Infrastructure;
using Myelin.Storage.Users;

namespace Myelin.Storage.Tests.Devices;

public abstract class AccessTokenStoreTests : StorageTestBase
{
    private static readonly UserId Alice = Ids.User("alice");
    private static readonly DeviceId Phone = Ids.Device("PHONE");

    [Fact]
    public async Task Token_resolves_to_user_device_and_expiry()
    {
        await Db.Users.CreateAsync(new NewUser(Alice, "h", 1));
        long id = await Db.AccessTokens.AddAsync("syt_secret", Alice, Phone, 10, expiresTs: 5000);

        var info = await Db.AccessTokens.GetAsync("syt_secret");
        Assert.NotNull(info);
        Assert.Equal(id, info.TokenId);
        Assert.Equal(Alice, info.UserId);
        Assert.Equal(Phone, info.DeviceId);
        Assert.False(info.IsGuest);
        Assert.Equal(5000, info.ExpiresTs);
        Assert.False(info.IsExpiredAt(4999));
        Assert.True(info.IsExpiredAt(5000));
        Assert.Null(await Db.AccessTokens.GetAsync("syt_other"));
    }

    [Fact]
    public async Task Guest_flag_comes_from_the_account()
    {
        var guest = Ids.User("42");
        await Db.Users.CreateAsync(new NewUser(guest, null, 1) { IsGuest = true });
        await Db.AccessTokens.AddAsync("guest_token", guest, null, 1);

        var info = await Db.AccessTokens.GetAsync("guest_token");
        Assert.True(info!.IsGuest);
        Assert.Null(info.DeviceId);
        Assert.Null(info.ExpiresTs);
    }

    [Fact]
    public async Task Only_a_sha256_of_the_token_is_stored()
    {
        await Db.AccessTokens.AddAsync("syt_plaintext_marker", Alice, Phone, 1);
        var stored = (byte[])(await Test.ScalarAsync("SELECT token_hash FROM access_tokens"))!;
        Assert.Equal(System.Security.Cryptography.SHA256.HashData("syt_plaintext_marker"u8), stored);
    }

    [Fact]
    public async Task Delete_logs_out_one_token()
    {
        await Db.AccessTokens.AddAsync("a", Alice, Phone, 1);
        await Db.AccessTokens.AddAsync("b", Alice, Phone, 1);

        Assert.True(await Db.AccessTokens.DeleteAsync("a"));
        Assert.False(await Db.AccessTokens.DeleteAsync("a"));
        Assert.Null(await Db.AccessTokens.GetAsync("a"));
        Assert.NotNull(await Db.AccessTokens.GetAsync("b"));
    }

    [Fact]
    public async Task Delete_for_device_and_all_except_one_device()
    {
        var laptop = Ids.Device("LAPTOP");
        var bob = Ids.User("bob");
        await Db.AccessTokens.AddAsync("p1", Alice, Phone, 1);
        await Db.AccessTokens.AddAsync("p2", Alice, Phone, 1);
        await Db.AccessTokens.AddAsync("l1", Alice, laptop, 1);
        await Db.AccessTokens.AddAsync("nodevice", Alice, null, 1);
        await Db.AccessTokens.AddAsync("bob", bob, Phone, 1);

        Assert.Equal(2, await Db.AccessTokens.DeleteForDeviceAsync(Alice, Phone));
        Assert.Null(await Db.AccessTokens.GetAsync("p1"));
        Assert.NotNull(await Db.AccessTokens.GetAsync("l1"));

        await Db.AccessTokens.AddAsync("p3", Alice, Phone, 1);
        Assert.Equal(2, await Db.AccessTokens.DeleteAllForUserAsync(Alice, exceptDevice: laptop));
        Assert.NotNull(await Db.AccessTokens.GetAsync("l1"));
        Assert.Null(await Db.AccessTokens.GetAsync("p3"));
        Assert.Null(await Db.AccessTokens.GetAsync("nodevice"));

        Assert.Equal(1, await Db.AccessTokens.DeleteAllForUserAsync(Alice));
        Assert.Null(await Db.AccessTokens.GetAsync("l1"));
        Assert.NotNull(await Db.AccessTokens.GetAsync("bob"));
    }

    [Fact]
    public async Task Refresh_rotates_the_pair_once()
    {
        long refreshId = await Db.AccessTokens.AddRefreshTokenAsync("r1", Alice, Phone, 1, expiresTs: 10_000);
        await Db.AccessTokens.AddAsync("a1", Alice, Phone, 1, expiresTs: 100, refreshTokenId: refreshId);
        Assert.Equal(new Myelin.Storage.Devices.RefreshTokenInfo(refreshId, Alice, Phone, 10_000), await Db.AccessTokens.GetRefreshTokenAsync("r1"));

        var rotated = await Db.AccessTokens.RefreshAsync("r1", "a2", 600, "r2", 20_000, nowTs: 500);

        Assert.NotNull(rotated);
        Assert.Equal(Alice, rotated.UserId);
        Assert.Equal(Phone, rotated.DeviceId);
        Assert.Null(await Db.AccessTokens.GetAsync("a1"));
        Assert.Null(await Db.AccessTokens.GetRefreshTokenAsync("r1"));
        var a2 = await Db.AccessTokens.GetAsync("a2");
        Assert.Equal(600, a2!.ExpiresTs);
        Assert.Equal(rotated.TokenId, a2.RefreshTokenId);
        Assert.Equal(20_000, (await Db.AccessTokens.GetRefreshTokenAsync("r2"))!.ExpiresTs);

        // The old refresh token is spent.
        Assert.Null(await Db.AccessTokens.RefreshAsync("r1", "a3", null, "r3", null, nowTs: 600));
        Assert.Null(await Db.AccessTokens.GetAsync("a3"));
    }

    [Fact]
    public async Task Expired_refresh_token_is_refused()
    {
        await Db.AccessTokens.AddRefreshTokenAsync("r1", Alice, Phone, 1, expiresTs: 100);
        Assert.Null(await Db.AccessTokens.RefreshAsync("r1", "a2", null, "r2", null, nowTs: 100));
        Assert.NotNull(await Db.AccessTokens.GetRefreshTokenAsync("r1"));
        Assert.Null(await Db.AccessTokens.GetRefreshTokenAsync("r2"));
    }

    [Fact]
    public async Task Logging_out_an_access_token_revokes_its_refresh_token()
    {
        long refreshId = await Db.AccessTokens.AddRefreshTokenAsync("r1", Alice, Phone, 1);
        await Db.AccessTokens.AddAsync("a1", Alice, Phone, 1, refreshTokenId: refreshId);
        Assert.True(await Db.AccessTokens.DeleteAsync("a1"));
        Assert.Null(await Db.AccessTokens.GetRefreshTokenAsync("r1"));
    }
}

public sealed class AccessTokenStoreTests_Sqlite : AccessTokenStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class AccessTokenStoreTests_Postgres : AccessTokenStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
