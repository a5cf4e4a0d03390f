using Myelin.Storage.Tests.Infrastructure;
using Myelin.Storage.Users;

namespace Myelin.Storage.Tests.Users;

public abstract class UserStoreTests : StorageTestBase
{
    [Fact]
    public async Task Create_then_get_returns_the_stored_account()
    {
        var alice = Ids.User("alice");
        Assert.True(await Db.Users.CreateAsync(new NewUser(alice, "$argon2id$hash", 1234) { IsAdmin = true, UserType = "bot" }));

        var account = await Db.Users.GetAsync(alice);

        Assert.NotNull(account);
        Assert.Equal(alice, account.UserId);
        Assert.Equal("$argon2id$hash", account.PasswordHash);
        Assert.True(account.IsAdmin);
        Assert.False(account.IsGuest);
        Assert.Equal(1234, account.CreatedTs);
        Assert.False(account.IsDeactivated);
        Assert.False(account.IsLocked);
        Assert.False(account.IsSuspended);
        Assert.Equal("bot", account.UserType);
    }

    [Fact]
    public async Task Create_refuses_a_taken_user_id_and_keeps_the_first_account()
    {
        var alice = Ids.User("alice");
        Assert.True(await Db.Users.CreateAsync(new NewUser(alice, "first", 1)));
        Assert.False(await Db.Users.CreateAsync(new NewUser(alice, "second", 2) { IsAdmin = true }));

        var account = await Db.Users.GetAsync(alice);
        Assert.Equal("first", account!.PasswordHash);
        Assert.False(account.IsAdmin);
    }

    [Fact]
    public async Task Guest_accounts_have_no_password()
    {
        var guest = Ids.User("1234");
        await Db.Users.CreateAsync(new NewUser(guest, null, 1) { IsGuest = true });

        var account = await Db.Users.GetAsync(guest);
        Assert.True(account!.IsGuest);
        Assert.Null(account.PasswordHash);
    }

    [Fact]
    public async Task Exists_and_get_for_unknown_user()
    {
        Assert.False(await Db.Users.ExistsAsync(Ids.User("nobody")));
        Assert.Null(await Db.Users.GetAsync(Ids.User("nobody")));
        await Db.Users.CreateAsync(new NewUser(Ids.User("bob"), "h", 1));
        Assert.True(await Db.Users.ExistsAsync(Ids.User("bob")));
    }

    [Fact]
    public async Task Setters_change_flags_and_report_unknown_users()
    {
        var bob = Ids.User("bob");
        await Db.Users.CreateAsync(new NewUser(bob, "old", 1));

        Assert.True(await Db.Users.SetPasswordHashAsync(bob, "new"));
        Assert.True(await Db.Users.SetAdminAsync(bob, true));
        Assert.True(await Db.Users.SetLockedAsync(bob, true));
        Assert.True(await Db.Users.SetSuspendedAsync(bob, true));
        var account = await Db.Users.GetAsync(bob);
        Assert.Equal("new", account!.PasswordHash);
        Assert.True(account.IsAdmin);
        Assert.True(account.IsLocked);
        Assert.True(account.IsSuspended);

        Assert.True(await Db.Users.SetLockedAsync(bob, false));
        Assert.False((await Db.Users.GetAsync(bob))!.IsLocked);

        var nobody = Ids.User("nobody");
        Assert.False(await Db.Users.SetPasswordHashAsync(nobody, "x"));
        Assert.False(await Db.Users.SetAdminAsync(nobody, true));
        Assert.False(await Db.Users.SetLockedAsync(nobody, true));
        Assert.False(await Db.Users.SetSuspendedAsync(nobody, true));
        Assert.False(await Db.Users.DeactivateAsync(nobody));
    }

    [Fact]
    public async Task Deactivate_clears_password_and_removes_devices_and_tokens()
    {
        var carol = Ids.User("carol");
        await Db.Users.CreateAsync(new NewUser(carol, "hash", 1));
        await Db.Devices.CreateAsync(carol, Ids.Device("PHONE"), "phone", 1);
        await Db.AccessTokens.AddAsync("syt_carol", carol, Ids.Device("PHONE"), 1);
        await Db.AccessTokens.AddRefreshTokenAsync("syr_carol", carol, Ids.Device("PHONE"), 1);

        Assert.True(await Db.Users.DeactivateAsync(carol));

        var account = await Db.Users.GetAsync(carol);
        Assert.True(account!.IsDeactivated);
        Assert.Null(account.PasswordHash);
        Assert.Empty(await Db.Devices.ListAsync(carol));
        Assert.Null(await Db.AccessTokens.GetAsync("syt_carol"));
        Assert.Null(await Db.AccessTokens.GetRefreshTokenAsync("syr_carol"));

        Assert.True(await Db.Users.ReactivateAsync(carol));
        Assert.False((await Db.Users.GetAsync(carol))!.IsDeactivated);
    }

    [Fact]
    public async Task List_and_count_page_in_user_id_order_with_filters()
    {
        foreach (string name in new[] { "dave", "alice", "carol", "bob" })
        {
            await Db.Users.CreateAsync(new NewUser(Ids.User(name), "h", 1));
        }
        await Db.Users.CreateAsync(new NewUser(Ids.User("guest1"), null, 1) { IsGuest = true });
        await Db.Users.DeactivateAsync(Ids.User("dave"));

        var page1 = await Db.Users.ListAsync(new UserListQuery { Limit = 2 });
        var page2 = await Db.Users.ListAsync(new UserListQuery { Offset = 2, Limit = 10 });
        Assert.Equal(["@alice:example.org", "@bob:example.org"], page1.Select(u => u.UserId.Value));
        Assert.Equal(["@carol:example.org", "@dave:example.org", "@guest1:example.org"], page2.Select(u => u.UserId.Value));

        var active = await Db.Users.ListAsync(new UserListQuery { IncludeDeactivated = false, IncludeGuests = false });
        Assert.Equal(["@alice:example.org", "@bob:example.org", "@carol:example.org"], active.Select(u => u.UserId.Value));

        Assert.Equal(5, await Db.Users.CountAsync());
        Assert.Equal(4, await Db.Users.CountAsync(includeDeactivated: false));
        Assert.Equal(3, await Db.Users.CountAsync(includeDeactivated: false, includeGuests: false));
    }
}

public sealed class UserStoreTests_Sqlite : UserStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class UserStoreTests_Postgres : UserStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
