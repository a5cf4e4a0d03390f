using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.Filters;
using Myelin.Server.Http;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.ClientApi.Accounts.AccountRequests;

namespace Myelin.Server.Tests.ClientApi.Filters;

public abstract class FilterEndpointTests
{
    protected abstract TestEngine Engine { get; }

    [Fact]
    public async Task Filters_are_stored_per_user_and_served_back()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync();
        var other = await server.RegisterAsync();
        string path = V3 + "/user/" + Uri.EscapeDataString(user.UserId.Value) + "/filter";

        var created = await MatrixAssert.OkAsync(await user.PostAsync(path, """{"room": {"timeline": {"limit": 5}}, "presence": {"not_types": ["*"]}}"""));
        string id = created["filter_id"]!.GetValue<string>();
        var fetched = await MatrixAssert.OkAsync(await user.GetAsync(path + "/" + id));
        Assert.Equal(5, fetched["room"]!["timeline"]!["limit"]!.GetValue<int>());

        var second = await MatrixAssert.OkAsync(await user.PostAsync(path, "{}"));
        Assert.NotEqual(id, second["filter_id"]!.GetValue<string>());

        var filters = server.Services.GetRequiredService<FilterService>();
        Assert.Equal(5, (await filters.GetAsync(user.UserId, id)).Room.Timeline.Limit);
        Assert.Equal(7, (await filters.GetAsync(user.UserId, """{"room": {"timeline": {"limit": 7}}}""")).Room.Timeline.Limit);
        Assert.Same(SyncFilter.Default, await filters.GetAsync(user.UserId, null));
        var unknown = await Assert.ThrowsAsync<MatrixException>(() => filters.GetAsync(user.UserId, "999"));
        Assert.Equal("M_NOT_FOUND", unknown.ErrCode);
        var badInline = await Assert.ThrowsAsync<MatrixException>(() => filters.GetAsync(user.UserId, "{nope"));
        Assert.Equal("M_NOT_JSON", badInline.ErrCode);

        // Another user's filter IDs are not visible.
        await MatrixAssert.ErrorAsync(await other.GetAsync(V3 + "/user/" + Uri.EscapeDataString(other.UserId.Value) + "/filter/" + id), 404, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Invalid_filters_and_requests_are_refused()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync();
        var other = await server.RegisterAsync();
        string path = V3 + "/user/" + Uri.EscapeDataString(user.UserId.Value) + "/filter";

        await MatrixAssert.ErrorAsync(await user.PostAsync(path, """{"room": {"timeline": {"limit": "many"}}}"""), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await user.PostAsync(path, """{"event_format": "xml"}"""), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await user.PostAsync(path, "[]"), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await user.PostAsync(path, "{"), 400, "M_NOT_JSON");
        await MatrixAssert.ErrorAsync(await other.PostAsync(path, "{}"), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await other.GetAsync(path + "/0"), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await user.GetAsync(path + "/0"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await user.GetAsync(path + "/abc"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(path + "/0"), 401, "M_MISSING_TOKEN");
    }
}

public sealed class FilterEndpointTests_Sqlite : FilterEndpointTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class FilterEndpointTests_Postgres : FilterEndpointTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
