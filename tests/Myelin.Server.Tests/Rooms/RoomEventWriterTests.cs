using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Server.Authentication;
using Myelin.Server.Events;
using Myelin.Server.Http;
using Myelin.Server.Rooms;
using Myelin.Server.Tests.Support;
using Myelin.Storage;
using Myelin.Storage.Events;

namespace Myelin.Server.Tests.Rooms;

public class RoomEventWriterTests
{
    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static async Task<(RoomId Room, UserId Alice)> CreateRoomAsync(RoomEventWriter writer, RoomVersion version)
    {
        var alice = UserId.Parse("@alice:localhost");
        string createContent = version.CreatorIsSender ? """{"room_version":"x"}""".Replace("x", version.Id, StringComparison.Ordinal)
            : $$"""{"creator":"@alice:localhost","room_version":"{{version.Id}}"}""";
        var room = await writer.CreateRoomAsync(version, alice, Json(createContent), CancellationToken.None);
        await writer.SendAsync(new NewEvent(room, alice, EventTypes.Member, Json("""{"membership":"join"}""")) { StateKey = alice.Value }, CancellationToken.None);
        // v12: creators have infinite power and must not be listed in users (rooms/v12 auth rule 10.4).
        string powerLevels = version.PrivilegedCreators ? """{"users":{}}""" : """{"users":{"@alice:localhost":100}}""";
        await writer.SendAsync(new NewEvent(room, alice, EventTypes.PowerLevels, Json(powerLevels)) { StateKey = "" }, CancellationToken.None);
        await writer.SendAsync(new NewEvent(room, alice, EventTypes.JoinRules, Json("""{"join_rule":"invite"}""")) { StateKey = "" }, CancellationToken.None);
        return (room, alice);
    }

    [Theory]
    [InlineData(TestEngine.Sqlite, "12")]
    [InlineData(TestEngine.Sqlite, "10")]
    [InlineData(TestEngine.Sqlite, "1")]
    [InlineData(TestEngine.Postgres, "12")]
    public async Task Creates_a_room_and_sends_events_checked_by_the_auth_rules(TestEngine engine, string versionId)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var writer = server.Services.GetRequiredService<RoomEventWriter>();
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        var version = KnownRoomVersions.All[versionId];
        var (room, alice) = await CreateRoomAsync(writer, version);

        var sent = await writer.SendAsync(new NewEvent(room, alice, EventTypes.Message, Json("""{"msgtype":"m.text","body":"hi"}""")), CancellationToken.None);
        var stored = await database.Events.GetEventAsync(sent.EventId);
        Assert.NotNull(stored);
        Assert.Equal(room, stored.RoomId);
        Assert.Equal(5, stored.Depth);
        Assert.Equal([sent.EventId], await database.Events.GetForwardExtremitiesAsync(room));

        // Bob is not in the room: the auth rules refuse, naming the rule.
        var bob = UserId.Parse("@bob:localhost");
        var refused = await Assert.ThrowsAsync<MatrixException>(() =>
            writer.SendAsync(new NewEvent(room, bob, EventTypes.Message, Json("""{"body":"let me in"}""")), CancellationToken.None));
        Assert.Equal("M_FORBIDDEN", refused.ErrCode);
        Assert.Contains("auth rule", refused.Message, StringComparison.Ordinal);

        // Joining an invite-only room without an invite is refused too.
        await Assert.ThrowsAsync<MatrixException>(() =>
            writer.SendAsync(new NewEvent(room, bob, EventTypes.Member, Json("""{"membership":"join"}""")) { StateKey = bob.Value }, CancellationToken.None));
        Assert.Equal("join", (await database.Memberships.GetMembershipAsync(room, alice))!.Membership);
        Assert.Null(await database.Memberships.GetMembershipAsync(room, bob));
    }

    [Fact]
    public async Task A_repeated_transaction_id_returns_the_first_event_and_is_served_to_its_device_only()
    {
        await using var server = await TestHomeserver.StartAsync();
        var writer = server.Services.GetRequiredService<RoomEventWriter>();
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        var serving = server.Services.GetRequiredService<ClientEvents>();
        var (room, alice) = await CreateRoomAsync(writer, KnownRoomVersions.V12);
        var txn = new TransactionKey(alice, DeviceId.Parse("PHONE"), "t1");

        var first = await writer.SendAsync(new NewEvent(room, alice, EventTypes.Message, Json("""{"body":"once"}""")) { Transaction = txn }, CancellationToken.None);
        var again = await writer.SendAsync(new NewEvent(room, alice, EventTypes.Message, Json("""{"body":"once"}""")) { Transaction = txn }, CancellationToken.None);
        Assert.True(again.Deduplicated);
        Assert.Equal(first.EventId, again.EventId);

        var stored = (await database.Events.GetEventAsync(first.EventId))!;
        var phone = new Requester(alice, DeviceId.Parse("PHONE"), false, false, 1);
        var laptop = phone with { DeviceId = DeviceId.Parse("LAPTOP") };
        var forPhone = await serving.SerializeOneAsync(stored, phone);
        var forLaptop = await serving.SerializeOneAsync(stored, laptop);
        Assert.Equal("t1", forPhone["unsigned"]!["transaction_id"]!.GetValue<string>());
        Assert.Null(forLaptop["unsigned"]!["transaction_id"]);
        Assert.Equal("once", forLaptop["content"]!["body"]!.GetValue<string>());
        Assert.Null(forLaptop["hashes"]);
        Assert.Null(forLaptop["signatures"]);
    }

    [Fact]
    public async Task State_events_are_served_with_prev_content()
    {
        await using var server = await TestHomeserver.StartAsync();
        var writer = server.Services.GetRequiredService<RoomEventWriter>();
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        var serving = server.Services.GetRequiredService<ClientEvents>();
        var (room, alice) = await CreateRoomAsync(writer, KnownRoomVersions.V12);

        var before = await writer.SendAsync(new NewEvent(room, alice, EventTypes.Topic, Json("""{"topic":"one"}""")) { StateKey = "" }, CancellationToken.None);
        var after = await writer.SendAsync(new NewEvent(room, alice, EventTypes.Topic, Json("""{"topic":"two"}""")) { StateKey = "" }, CancellationToken.None);

        var served = await serving.SerializeOneAsync((await database.Events.GetEventAsync(after.EventId))!, null);
        Assert.Equal("one", served["unsigned"]!["prev_content"]!["topic"]!.GetValue<string>());
        Assert.Equal(before.EventId.Value, served["unsigned"]!["replaces_state"]!.GetValue<string>());
        Assert.Equal("", served["state_key"]!.GetValue<string>());
    }

    [Fact]
    public async Task Concurrent_sends_to_one_room_form_a_single_chain()
    {
        await using var server = await TestHomeserver.StartAsync();
        var writer = server.Services.GetRequiredService<RoomEventWriter>();
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        var (room, alice) = await CreateRoomAsync(writer, KnownRoomVersions.V12);

        var sends = Enumerable.Range(0, 50).Select(i =>
            writer.SendAsync(new NewEvent(room, alice, EventTypes.Message, Json($$"""{"body":"{{i}}"}""")), CancellationToken.None));
        var sent = await Task.WhenAll(sends);

        Assert.Single(await database.Events.GetForwardExtremitiesAsync(room));
        var depths = new List<long>();
        foreach (var s in sent)
        {
            depths.Add((await database.Events.GetEventAsync(s.EventId))!.Depth);
        }
        Assert.Equal(Enumerable.Range(5, 50).Select(d => (long)d), depths.Order());
    }
}

public class RoomIdCollisionTests
{
    [Fact]
    public async Task Identical_v12_rooms_created_in_the_same_millisecond_get_different_ids()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        await using var server = await TestHomeserver.StartAsync(options: new Myelin.Server.Hosting.MyelinHostOptions
        {
            ConsoleLogging = false,
            ConfigureServices = services => services.AddSingleton<TimeProvider>(time),
        });
        var writer = server.Services.GetRequiredService<RoomEventWriter>();
        var alice = UserId.Parse("@alice:localhost");
        var content = JsonDocument.Parse("""{"room_version":"12"}""").RootElement;

        var first = await writer.CreateRoomAsync(KnownRoomVersions.V12, alice, content, CancellationToken.None);
        var second = await writer.CreateRoomAsync(KnownRoomVersions.V12, alice, content, CancellationToken.None);

        Assert.NotEqual(first, second);
    }
}
