using Myelin.Storage.Accounts;
using Myelin.Storage.Tests.Infrastructure;
using Myelin.Storage.Users;

namespace Myelin.Storage.Tests.Accounts;

public abstract class AccountsStoreTests : StorageTestBase
{
    [Fact]
    public async Task Registration_token_uses_are_reserved_then_completed_up_to_the_limit()
    {
        Assert.True(await Db.RegistrationTokens.CreateAsync("abc", usesAllowed: 2, expiryTime: null));
        Assert.False(await Db.RegistrationTokens.CreateAsync("abc", usesAllowed: 5, expiryTime: null));

        Assert.True(await Db.RegistrationTokens.TryReserveAsync("abc", nowTs: 10));
        Assert.True(await Db.RegistrationTokens.TryReserveAsync("abc", nowTs: 10));
        // Two registrations in flight use up both uses.
        Assert.False(await Db.RegistrationTokens.TryReserveAsync("abc", nowTs: 10));
        await Db.RegistrationTokens.CompleteAsync("abc");

        var token = await Db.RegistrationTokens.GetAsync("abc");
        Assert.Equal(new RegistrationToken("abc", 2, 1, 1, null), token);
        Assert.False(token!.IsValidAt(10));
        Assert.False(await Db.RegistrationTokens.TryReserveAsync("unknown", nowTs: 10));
    }

    [Fact]
    public async Task Expired_registration_token_cannot_be_reserved_and_tokens_can_be_listed_and_deleted()
    {
        await Db.RegistrationTokens.CreateAsync("b-unlimited", null, null);
        await Db.RegistrationTokens.CreateAsync("a-expiring", null, expiryTime: 1000);
        Assert.True(await Db.RegistrationTokens.TryReserveAsync("a-expiring", nowTs: 999));
        Assert.False(await Db.RegistrationTokens.TryReserveAsync("a-expiring", nowTs: 1000));
        Assert.Equal(["a-expiring", "b-unlimited"], (await Db.RegistrationTokens.ListAsync()).Select(t => t.Token));

        Assert.True(await Db.RegistrationTokens.DeleteAsync("a-expiring"));
        Assert.False(await Db.RegistrationTokens.DeleteAsync("a-expiring"));
        Assert.Null(await Db.RegistrationTokens.GetAsync("a-expiring"));
    }

    [Fact]
    public async Task Login_tokens_are_single_use_and_expire()
    {
        var alice = Ids.User("alice");
        await Db.UserTokens.AddAsync(UserTokenKind.Login, "tok", alice, 0, expiresTs: 100);
        await Db.UserTokens.AddAsync(UserTokenKind.Login, "old", alice, 0, expiresTs: 50);

        Assert.Null(await Db.UserTokens.GetAsync(UserTokenKind.OpenId, "tok", 10));
        Assert.Equal(alice, await Db.UserTokens.GetAsync(UserTokenKind.Login, "tok", 10));
        Assert.Equal(alice, await Db.UserTokens.ConsumeAsync(UserTokenKind.Login, "tok", 10));
        Assert.Null(await Db.UserTokens.ConsumeAsync(UserTokenKind.Login, "tok", 10));
        Assert.Null(await Db.UserTokens.ConsumeAsync(UserTokenKind.Login, "old", 60));

        await Db.UserTokens.AddAsync(UserTokenKind.OpenId, "oid", alice, 0, expiresTs: 100);
        Assert.Equal(1, await Db.UserTokens.DeleteExpiredAsync(200));
        Assert.Null(await Db.UserTokens.GetAsync(UserTokenKind.OpenId, "oid", 10));
    }

    [Fact]
    public async Task Profile_fields_are_set_read_and_deleted_for_known_users_only()
    {
        var alice = Ids.User("alice");
        await Db.Users.CreateAsync(new NewUser(alice, "h", 1));
        Assert.False(await Db.ProfileFields.SetAsync(Ids.User("ghost"), "m.tz", "\"UTC\""));

        Assert.True(await Db.ProfileFields.SetAsync(alice, "m.tz", "\"Europe/London\""));
        Assert.True(await Db.ProfileFields.SetAsync(alice, "org.example.pets", "[\"cat\"]"));
        Assert.True(await Db.ProfileFields.SetAsync(alice, "m.tz", "\"UTC\""));
        Assert.Equal("\"UTC\"", await Db.ProfileFields.GetAsync(alice, "m.tz"));
        Assert.Equal(["m.tz", "org.example.pets"], (await Db.ProfileFields.GetAllAsync(alice)).Select(f => f.Key));

        Assert.True(await Db.ProfileFields.DeleteAsync(alice, "m.tz"));
        Assert.False(await Db.ProfileFields.DeleteAsync(alice, "m.tz"));
        Assert.Null(await Db.ProfileFields.GetAsync(alice, "m.tz"));
    }

    [Fact]
    public async Task User_reports_are_listed_newest_first()
    {
        var alice = Ids.User("alice");
        var bob = Ids.User("bob");
        long first = await Db.UserReports.AddAsync(alice, bob, "spam", 1);
        long second = await Db.UserReports.AddAsync(bob, alice, "rude", 2);
        Assert.True(second > first);
        var reports = await Db.UserReports.ListAsync(10);
        Assert.Equal([new UserReport(second, bob, alice, "rude", 2), new UserReport(first, alice, bob, "spam", 1)], reports);
    }
}

public sealed class AccountsStoreTests_Sqlite : AccountsStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class AccountsStoreTests_Postgres : AccountsStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
