using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Myelin.Server.ClientApi.Voip;
using Myelin.Server.Configuration;
using Myelin.Server.Tests.ClientApi.Timeline;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Voip;

public class TurnServerTests
{
    private const string Path = "/_matrix/client/v3/voip/turnServer";
    private static readonly string[] Uris = ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:443?transport=tcp"];

    [Fact]
    public void Credentials_follow_the_TURN_REST_API()
    {
        // Vector computed independently: base64(HMAC-SHA1("north", "1443779631:@user:example.com")).
        Assert.Equal("1443779631:@user:example.com", TurnServerEndpoints.CreateUsername(DateTimeOffset.FromUnixTimeSeconds(1443779631), "@user:example.com"));
        Assert.Equal("lamN4QwbavBEEp/krb3yR5mgsEg=", TurnServerEndpoints.CreatePassword("north", "1443779631:@user:example.com"));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Shared_secret_gives_time_limited_credentials(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine, c => c with
        {
            Turn = new TurnConfig { Uris = Uris, SharedSecret = "north", UserLifetime = TimeSpan.FromHours(2) },
        });
        var alice = await new TimelineTestKit(server).UserAsync("alice");

        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var body = await MatrixAssert.OkAsync(await alice.GetAsync(Path));
        long after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string username = body["username"]!.GetValue<string>();
        var parts = username.Split(':', 2);
        long expiry = long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expiry, before + 7200, after + 7200);
        Assert.Equal(alice.UserId.Value, parts[1]);
        Assert.Equal(TurnServerEndpoints.CreatePassword("north", username), body["password"]!.GetValue<string>());
        Assert.Equal(Uris, body["uris"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Equal(7200, body["ttl"]!.GetValue<long>());

        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(Path), 401, "M_MISSING_TOKEN");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Static_credentials_and_guest_policy(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine, c => c with
        {
            AllowGuestAccess = true,
            Turn = new TurnConfig { Uris = Uris, Username = "turnuser", Password = "turnpass", AllowGuests = false },
        });
        var alice = await new TimelineTestKit(server).UserAsync("alice");
        var body = await MatrixAssert.OkAsync(await alice.GetAsync(Path));
        Assert.Equal("turnuser", body["username"]!.GetValue<string>());
        Assert.Equal("turnpass", body["password"]!.GetValue<string>());
        Assert.Equal(3600, body["ttl"]!.GetValue<long>());

        var guest = await RegisterGuestAsync(server);
        await MatrixAssert.ErrorAsync(await guest.GetAsync(Path), 403, "M_FORBIDDEN");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Without_a_TURN_server_the_answer_is_an_empty_object(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await new TimelineTestKit(server).UserAsync("alice");
        Assert.Empty(await MatrixAssert.OkAsync(await alice.GetAsync(Path)));

        // URIs without any credentials are not usable either.
        await using var second = await TestHomeserver.StartAsync(engine, c => c with { Turn = new TurnConfig { Uris = Uris } });
        var bob = await new TimelineTestKit(second).UserAsync("bob");
        Assert.Empty(await MatrixAssert.OkAsync(await bob.GetAsync(Path)));
    }

    [Fact]
    public void Config_keys_are_read()
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("myelin-turn-").FullName;
        try
        {
            const string yaml = """
                server_name: example.org
                database: {name: sqlite3, args: {database: homeserver.db}}
                turn_uris: ["turn:turn.example.org:3478?transport=udp"]
                turn_shared_secret: north
                turn_user_lifetime: 2h
                turn_allow_guests: false
                """;
            var loaded = ConfigLoader.Parse(yaml, dir);
            Assert.DoesNotContain(loaded.Warnings, w => w.Contains("turn", StringComparison.Ordinal));
            var turn = loaded.Config.Turn;
            Assert.Equal(["turn:turn.example.org:3478?transport=udp"], turn.Uris);
            Assert.Equal("north", turn.SharedSecret);
            Assert.Equal(TimeSpan.FromHours(2), turn.UserLifetime);
            Assert.False(turn.AllowGuests);

            var defaults = ConfigLoader.Parse("server_name: example.org\ndatabase: {name: sqlite3, args: {database: homeserver.db}}\n", dir).Config.Turn;
            Assert.Empty(defaults.Uris);
            Assert.Equal(TimeSpan.FromHours(1), defaults.UserLifetime);
            Assert.True(defaults.AllowGuests);

            var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml.Replace("2h", "soon", StringComparison.Ordinal), dir));
            Assert.Contains("turn_user_lifetime", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
    }

    internal static async Task<TestUser> RegisterGuestAsync(TestHomeserver server)
    {
        var response = await server.Http.PostAsJsonAsync("/_matrix/client/v3/register?kind=guest", new { });
        var body = await MatrixAssert.OkAsync(response);
        return new TestUser(server, Protocol.Identifiers.UserId.Parse(body["user_id"]!.GetValue<string>()), body["access_token"]!.GetValue<string>(),
            body["device_id"]!.GetValue<string>(), "");
    }
}
