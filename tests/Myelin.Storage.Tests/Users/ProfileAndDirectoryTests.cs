using Myelin.Storage.Tests.Infrastructure;
using Myelin.Storage.Users;

namespace Myelin.Storage.Tests.Users;

public abstract class ProfileAndDirectoryTests : StorageTestBase
{
    [Fact]
    public async Task New_user_gets_a_profile_with_the_initial_display_name()
    {
        var alice = Ids.User("alice");
        await Db.Users.CreateAsync(new NewUser(alice, "h", 1) { DisplayName = "alice" });

        var profile = await Db.Profiles.GetAsync(alice);
        Assert.Equal(new Profile(alice, "alice", null), profile);
    }

    [Fact]
    public async Task Set_and_clear_display_name_and_avatar()
    {
        var alice = Ids.User("alice");
        await Db.Users.CreateAsync(new NewUser(alice, "h", 1));

        Assert.True(await Db.Profiles.SetDisplayNameAsync(alice, "Alice Liddell"));
        Assert.True(await Db.Profiles.SetAvatarUrlAsync(alice, "mxc://example.org/abc"));
        Assert.Equal(new Profile(alice, "Alice Liddell", "mxc://example.org/abc"), await Db.Profiles.GetAsync(alice));

        Assert.True(await Db.Profiles.SetDisplayNameAsync(alice, null));
        Assert.Equal(new Profile(alice, null, "mxc://example.org/abc"), await Db.Profiles.GetAsync(alice));
        Assert.True(await Db.Profiles.SetAvatarUrlAsync(alice, null));
        Assert.Equal(new Profile(alice, null, null), await Db.Profiles.GetAsync(alice));
    }

    [Fact]
    public async Task Profile_of_unknown_user_is_null_and_cannot_be_set()
    {
        Assert.Null(await Db.Profiles.GetAsync(Ids.User("ghost")));
        Assert.False(await Db.Profiles.SetDisplayNameAsync(Ids.User("ghost"), "Ghost"));
        Assert.False(await Db.Profiles.SetAvatarUrlAsync(Ids.User("ghost"), "mxc://x/y"));
        Assert.Null(await Db.Profiles.GetAsync(Ids.User("ghost")));
    }

    [Fact]
    public async Task Directory_matches_localpart_and_display_name_prefixes_case_insensitively()
    {
        await CreateAsync("alice", "Alice Liddell");
        await CreateAsync("bob", "The Builder");
        await CreateAsync("carol", "ÉLODIE Carol");
        await CreateAsync("alfred", null);

        Assert.Equal(["@alice:example.org", "@alfred:example.org"], Names(await Db.UserDirectory.SearchAsync("AL", 10)));
        Assert.Equal(["@bob:example.org"], Names(await Db.UserDirectory.SearchAsync("build", 10)));
        Assert.Equal(["@carol:example.org"], Names(await Db.UserDirectory.SearchAsync("élodie", 10)));
        Assert.Equal(["@carol:example.org"], Names(await Db.UserDirectory.SearchAsync("@car", 10)));
        Assert.Empty((await Db.UserDirectory.SearchAsync("zed", 10)).Results);
        // LIKE wildcards in the term are literal characters.
        Assert.Empty((await Db.UserDirectory.SearchAsync("%", 10)).Results);
        Assert.Empty((await Db.UserDirectory.SearchAsync("_lice", 10)).Results);
    }

    [Fact]
    public async Task Directory_is_limited_and_says_so()
    {
        for (int i = 0; i < 5; i++)
        {
            await CreateAsync($"user{i}", $"User {i}");
        }

        var limited = await Db.UserDirectory.SearchAsync("user", 3);
        Assert.Equal(3, limited.Results.Count);
        Assert.True(limited.Limited);

        var all = await Db.UserDirectory.SearchAsync("user", 5);
        Assert.Equal(5, all.Results.Count);
        Assert.False(all.Limited);
        Assert.Equal("User 0", all.Results[0].DisplayName);
    }

    [Fact]
    public async Task Directory_excludes_deactivated_users()
    {
        await CreateAsync("alice", "Alice");
        await Db.Users.DeactivateAsync(Ids.User("alice"));
        Assert.Empty((await Db.UserDirectory.SearchAsync("alice", 10)).Results);
    }

    private async Task CreateAsync(string localpart, string? displayName)
    {
        await Db.Users.CreateAsync(new NewUser(Ids.User(localpart), "h", 1) { DisplayName = displayName });
    }

    private static IEnumerable<string> Names(UserDirectoryResult result) => result.Results.Select(p => p.UserId.Value);
}

public sealed class ProfileAndDirectoryTests_Sqlite : ProfileAndDirectoryTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class ProfileAndDirectoryTests_Postgres : ProfileAndDirectoryTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
