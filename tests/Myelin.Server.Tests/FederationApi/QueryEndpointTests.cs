using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.Federation;
using Myelin.Server.Tests.Support;
using Myelin.Storage.Users;

namespace Myelin.Server.Tests.FederationApi;

/// <summary>spec: server-server "Querying for information"; query.yaml.</summary>
public abstract class QueryEndpointTests : IAsyncLifetime
{
    protected abstract TestEngine Engine { get; }

    private FederatedHomeserver _asker = null!;
    private FederatedHomeserver _server = null!;

    public async Task InitializeAsync()
    {
        _asker = await FederatedHomeserver.StartAsync(Engine);
        _server = await FederatedHomeserver.StartAsync(Engine);
    }

    public async Task DisposeAsync()
    {
        await _asker.DisposeAsync();
        await _server.DisposeAsync();
    }

    private Task<HttpResponseMessage> Get(string pathAndQuery) =>
        _server.SendSignedAsync(HttpMethod.Get, pathAndQuery, _asker.ServerName, _asker.SigningKey);

    private static string Escape(string value) => Uri.EscapeDataString(value);

    [Fact]
    public async Task Directory_query_resolves_local_aliases()
    {
        var creator = UserId.Create("creator", _server.ServerName);
        var roomId = RoomId.Parse($"!room1:{_server.ServerName}");
        var alias = RoomAlias.Parse($"#lobby:{_server.ServerName}");
        await _server.Host.Database.Users.CreateAsync(new NewUser(creator, null, 1));
        await _server.Host.Database.Rooms.CreateAsync(roomId, "10", creator, 1);
        Assert.True(await _server.Host.Database.RoomAliases.CreateAsync(alias, roomId, creator, 1));

        var body = await MatrixAssert.OkAsync(await Get($"/_matrix/federation/v1/query/directory?room_alias={Escape(alias.Value)}"));
        Assert.Equal(roomId.Value, body["room_id"]!.GetValue<string>());
        Assert.Equal([_server.ServerName.Value], body["servers"]!.AsArray().Select(s => s!.GetValue<string>()));

        await MatrixAssert.ErrorAsync(await Get($"/_matrix/federation/v1/query/directory?room_alias={Escape($"#other:{_server.ServerName}")}"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await Get($"/_matrix/federation/v1/query/directory?room_alias={Escape("#lobby:elsewhere.example")}"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await Get("/_matrix/federation/v1/query/directory"), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await Get("/_matrix/federation/v1/query/directory?room_alias=lobby"), 400, "M_INVALID_PARAM");
        // Unsigned: refused before anything is looked up.
        await MatrixAssert.ErrorAsync(await _server.Http.GetAsync($"/_matrix/federation/v1/query/directory?room_alias={Escape(alias.Value)}"), 401, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task Profile_query_returns_the_whole_profile_or_one_field()
    {
        var alice = UserId.Create("alice", _server.ServerName);
        await _server.Host.Database.Users.CreateAsync(new NewUser(alice, null, 1));
        await _server.Host.Database.Profiles.SetDisplayNameAsync(alice, "Alice");
        await _server.Host.Database.Profiles.SetAvatarUrlAsync(alice, "mxc://example.org/abc");
        string user = Escape(alice.Value);

        var all = await MatrixAssert.OkAsync(await Get($"/_matrix/federation/v1/query/profile?user_id={user}"));
        Assert.Equal("Alice", all["displayname"]!.GetValue<string>());
        Assert.Equal("mxc://example.org/abc", all["avatar_url"]!.GetValue<string>());

        var one = await MatrixAssert.OkAsync(await Get($"/_matrix/federation/v1/query/profile?user_id={user}&field=displayname"));
        Assert.Equal(["displayname"], one.Select(p => p.Key));

        await MatrixAssert.ErrorAsync(await Get($"/_matrix/federation/v1/query/profile?user_id={user}&field=m.tz"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await Get($"/_matrix/federation/v1/query/profile?user_id={Escape($"@ghost:{_server.ServerName}")}"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await Get($"/_matrix/federation/v1/query/profile?user_id={Escape("@alice:elsewhere.example")}"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await Get("/_matrix/federation/v1/query/profile?user_id=alice"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await Get("/_matrix/federation/v1/query/profile"), 400, "M_MISSING_PARAM");
    }
}

public sealed class QueryEndpointTests_Sqlite : QueryEndpointTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class QueryEndpointTests_Postgres : QueryEndpointTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
