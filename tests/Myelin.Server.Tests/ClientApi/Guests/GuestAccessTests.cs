using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Guests;

public class GuestAccessTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Guests_may_read_and_sync_but_not_create_rooms_or_manage_the_account(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine, c => c with { AllowGuestAccess = true });
        var response = await server.Http.PostAsJsonAsync("/_matrix/client/v3/register?kind=guest", new { });
        var body = await MatrixAssert.OkAsync(response);
        var guest = new TestUser(server, UserId.Parse(body["user_id"]!.GetValue<string>()), body["access_token"]!.GetValue<string>(),
            body["device_id"]!.GetValue<string>(), "");

        var whoami = await MatrixAssert.OkAsync(await guest.GetAsync("/_matrix/client/v3/account/whoami"));
        Assert.True(whoami["is_guest"]!.GetValue<bool>());
        await MatrixAssert.OkAsync(await guest.GetAsync("/_matrix/client/v3/sync?timeout=0"));
        await MatrixAssert.OkAsync(await guest.GetAsync("/_matrix/client/r0/sync?timeout=0"));

        // spec: guest_access "Client behaviour": anything not listed is refused.
        await MatrixAssert.ErrorAsync(await guest.PostAsync("/_matrix/client/v3/createRoom", new { }), 403, "M_GUEST_ACCESS_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await guest.PostAsync("/_matrix/client/v3/account/deactivate", new { }), 403, "M_GUEST_ACCESS_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await guest.PutAsync($"/_matrix/client/v3/user/{guest.UserId}/account_data/org.example", new { a = 1 }), 403, "M_GUEST_ACCESS_FORBIDDEN");

        // A full user is not limited.
        var user = await server.RegisterAsync();
        var created = await MatrixAssert.OkAsync(await user.PostAsync("/_matrix/client/v3/createRoom", new { }));
        Assert.NotNull(created["room_id"]);
    }
}
