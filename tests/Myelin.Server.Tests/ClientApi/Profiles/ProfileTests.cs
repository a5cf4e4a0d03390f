using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Hosting;
using Myelin.Server.Profiles;
using Myelin.Server.Tests.Support;
using Myelin.Storage.Users;
using static Myelin.Server.Tests.ClientApi.Accounts.AccountRequests;

namespace Myelin.Server.Tests.ClientApi.Profiles;

public abstract class ProfileTests
{
    protected abstract TestEngine Engine { get; }

    private sealed class RecordingHandler : IProfileChangeHandler
    {
        public ConcurrentQueue<Profile> Changes { get; } = new();

        public Task OnProfileChangedAsync(UserId userId, Profile profile, CancellationToken cancellationToken)
        {
            Changes.Enqueue(profile);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Display_name_and_avatar_are_set_read_and_announced()
    {
        var handler = new RecordingHandler();
        await using var server = await TestHomeserver.StartAsync(Engine, options: new MyelinHostOptions
        {
            ConsoleLogging = false,
            ConfigureServices = s => s.AddSingleton<IProfileChangeHandler>(handler),
        });
        var user = await server.RegisterAsync("wes");
        string path = V3 + "/profile/" + Uri.EscapeDataString(user.UserId.Value);

        // The default display name is the localpart.
        Assert.Equal("wes", (await MatrixAssert.OkAsync(await server.Http.GetAsync(path)))["displayname"]!.GetValue<string>());

        await MatrixAssert.OkAsync(await user.PutAsync(path + "/displayname", new { displayname = "Wes W." }));
        await MatrixAssert.OkAsync(await user.PutAsync(path + "/avatar_url", new { avatar_url = "mxc://localhost/abc123" }));
        var profile = await MatrixAssert.OkAsync(await server.Http.GetAsync(path));
        Assert.Equal("Wes W.", profile["displayname"]!.GetValue<string>());
        Assert.Equal("mxc://localhost/abc123", profile["avatar_url"]!.GetValue<string>());
        Assert.Equal("Wes W.", (await MatrixAssert.OkAsync(await server.Http.GetAsync(path + "/displayname")))["displayname"]!.GetValue<string>());
        Assert.Equal(2, handler.Changes.Count);
        Assert.Equal(new Profile(user.UserId, "Wes W.", "mxc://localhost/abc123"), handler.Changes.Last());

        // An empty avatar URL clears it.
        await MatrixAssert.OkAsync(await user.PutAsync(path + "/avatar_url", new { avatar_url = "" }));
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(path + "/avatar_url"), 404, "M_NOT_FOUND");
        await MatrixAssert.OkAsync(await user.DeleteAsync(path + "/displayname"));
        Assert.Null((await MatrixAssert.OkAsync(await server.Http.GetAsync(path)))["displayname"]);
        Assert.Equal(4, handler.Changes.Count);
    }

    [Fact]
    public async Task Profile_changes_are_validated_and_limited_to_the_owner()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync("xia");
        var other = await server.RegisterAsync("yan");
        string path = V3 + "/profile/" + Uri.EscapeDataString(user.UserId.Value);

        await MatrixAssert.ErrorAsync(await other.PutAsync(path + "/displayname", new { displayname = "hijack" }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await other.DeleteAsync(path + "/displayname"), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await server.Http.PutAsync(path + "/displayname", new StringContent("{\"displayname\":\"x\"}")), 401, "M_MISSING_TOKEN");
        await MatrixAssert.ErrorAsync(await user.PutAsync(path + "/avatar_url", new { avatar_url = "https://example.org/a.png" }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await user.PutAsync(path + "/displayname", new { displayname = 42 }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await user.PutAsync(path + "/displayname", new { avatar_url = "mxc://localhost/x" }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await user.PutAsync(path + "/Not-A-Key", new Dictionary<string, string> { ["Not-A-Key"] = "x" }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await user.PutAsync(path + "/m.tz", new Dictionary<string, int> { ["m.tz"] = 5 }), 400, "M_BAD_JSON");
        string longKey = "org." + new string('a', 300);
        await MatrixAssert.ErrorAsync(await user.PutAsync(path + "/" + longKey, new Dictionary<string, string> { [longKey] = "x" }), 400, "M_KEY_TOO_LARGE");
        await MatrixAssert.ErrorAsync(await user.PutAsync(path + "/displayname", "not json"), 400, "M_NOT_JSON");

        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(V3 + "/profile/%40ghost%3Alocalhost"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(V3 + "/profile/not-a-user-id"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(V3 + "/profile/%40ghost%3Alocalhost/displayname"), 404, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Custom_fields_and_time_zone_round_trip_within_the_size_limit()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync("zed");
        string path = V3 + "/profile/" + Uri.EscapeDataString(user.UserId.Value);

        await MatrixAssert.OkAsync(await user.PutAsync(path + "/m.tz", new Dictionary<string, string> { ["m.tz"] = "Europe/Paris" }));
        await MatrixAssert.OkAsync(await user.PutAsync(path + "/org.example.pets", """{"org.example.pets": {"cats": 2, "names": ["a", "b"]}}"""));
        var profile = await MatrixAssert.OkAsync(await server.Http.GetAsync(path));
        Assert.Equal("Europe/Paris", profile["m.tz"]!.GetValue<string>());
        Assert.Equal(2, profile["org.example.pets"]!["cats"]!.GetValue<int>());
        var field = await MatrixAssert.OkAsync(await server.Http.GetAsync(path + "/org.example.pets"));
        Assert.Equal("b", field["org.example.pets"]!["names"]![1]!.GetValue<string>());

        string big = new('x', 40_000);
        await MatrixAssert.OkAsync(await user.PutAsync(path + "/org.example.big", new Dictionary<string, string> { ["org.example.big"] = big }));
        await MatrixAssert.ErrorAsync(await user.PutAsync(path + "/org.example.big2", new Dictionary<string, string> { ["org.example.big2"] = big }), 400, "M_PROFILE_TOO_LARGE");
        // Replacing a field counts its new size, not both.
        await MatrixAssert.OkAsync(await user.PutAsync(path + "/org.example.big", new Dictionary<string, string> { ["org.example.big"] = big + "y" }));

        await MatrixAssert.OkAsync(await user.DeleteAsync(path + "/org.example.pets"));
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(path + "/org.example.pets"), 404, "M_NOT_FOUND");
        // Deleting an unset field succeeds.
        await MatrixAssert.OkAsync(await user.DeleteAsync(path + "/org.example.pets"));
    }

    [Fact]
    public async Task User_directory_search_finds_the_requester_and_validates_input()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync("searcher");
        await MatrixAssert.OkAsync(await user.PutAsync(V3 + "/profile/" + Uri.EscapeDataString(user.UserId.Value) + "/displayname", new { displayname = "Ada Lovelace" }));
        await server.RegisterAsync("stranger");

        var byName = await MatrixAssert.OkAsync(await user.PostAsync(V3 + "/user_directory/search", new { search_term = "love" }));
        var hit = Assert.Single(byName["results"]!.AsArray());
        Assert.Equal(user.UserId.Value, hit!["user_id"]!.GetValue<string>());
        Assert.Equal("Ada Lovelace", hit["display_name"]!.GetValue<string>());
        Assert.False(byName["limited"]!.GetValue<bool>());
        // Users who share no room with the requester are not visible (Synapse's default).
        Assert.Empty((await MatrixAssert.OkAsync(await user.PostAsync(V3 + "/user_directory/search", new { search_term = "stranger" })))["results"]!.AsArray());

        await MatrixAssert.ErrorAsync(await user.PostAsync(V3 + "/user_directory/search", new { }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await user.PostAsync(V3 + "/user_directory/search", new { search_term = "a", limit = 0 }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await user.PostAsync(V3 + "/user_directory/search", new { search_term = "a", limit = "5" }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/user_directory/search", new { search_term = "a" }), 401, "M_MISSING_TOKEN");
    }
}

public sealed class ProfileTests_Sqlite : ProfileTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class ProfileTests_Postgres : ProfileTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
