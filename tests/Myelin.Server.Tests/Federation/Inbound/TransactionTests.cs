using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Edus;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation.Inbound;

/// <summary>
/// <c>PUT /_matrix/federation/v1/send/{txnId}</c>: body validation, idempotency per (origin, txnId), EDU dispatch and
/// server ACLs. spec: server-server "Transactions", "EDUs", "Server Access Control Lists (ACLs)".
/// </summary>
public abstract class TransactionTests : IAsyncLifetime
{
    private const string TestEduType = "org.example.test";

    private readonly RecordingEduHandler _recorder = new();
    private FederatedHomeserver _local = null!;
    private FederatedHomeserver _remote = null!;
    private RemoteRoomEvents _events = null!;

    protected abstract TestEngine Engine { get; }

    public async Task InitializeAsync()
    {
        _local = await FederatedHomeserver.StartAsync(Engine, services: s =>
        {
            // A failing handler first: the next handler of the type still gets the EDU and the transaction succeeds.
            s.AddSingleton<IEduHandler>(new ThrowingEduHandler());
            s.AddSingleton<IEduHandler>(_recorder);
        });
        _remote = await FederatedHomeserver.StartAsync(TestEngine.Sqlite);
        _events = new RemoteRoomEvents(_local, _remote);
    }

    public async Task DisposeAsync()
    {
        await _local.DisposeAsync();
        await _remote.DisposeAsync();
    }

    private static JsonObject Edu(string type, object content) =>
        new() { ["edu_type"] = type, ["content"] = JsonSerializer.SerializeToNode(content) };

    [Fact]
    public async Task Edus_reach_every_handler_of_their_type_and_unknown_types_are_ignored()
    {
        var body = RemoteRoomEvents.Transaction(_remote.ServerName, [],
            [Edu(TestEduType, new { n = 1 }), Edu("org.example.unknown", new { n = 2 }), Edu(TestEduType, new { n = 3 })]);
        var response = await MatrixAssert.OkAsync(await _events.SendRawAsync(_events.NextTransactionId(), body));
        Assert.Equal("{}", response["pdus"]!.ToJsonString());

        Assert.Equal([(_remote.ServerName, 1), (_remote.ServerName, 3)], _recorder.Received.ToArray());
    }

    [Fact]
    public async Task A_retried_transaction_is_answered_again_without_being_processed_again()
    {
        _recorder.Delay = TimeSpan.FromMilliseconds(300);
        string txnId = _events.NextTransactionId();
        var body = RemoteRoomEvents.Transaction(_remote.ServerName, [], [Edu(TestEduType, new { n = 7 })]);

        // Concurrent retries (the sender timed out and tried again) and a later one.
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _events.SendRawAsync(txnId, body)));
        foreach (var response in concurrent)
        {
            await MatrixAssert.OkAsync(response);
        }
        var later = RemoteRoomEvents.Transaction(_remote.ServerName, [], [Edu(TestEduType, new { n = 8 })]);
        await MatrixAssert.OkAsync(await _events.SendRawAsync(txnId, later));
        Assert.Equal([(_remote.ServerName, 7)], _recorder.Received.ToArray());

        // The same ID from another server is another transaction.
        var other = await FederatedHomeserver.StartAsync(TestEngine.Sqlite);
        await using (other)
        {
            var fromOther = RemoteRoomEvents.Transaction(other.ServerName, [], [Edu(TestEduType, new { n = 9 })]);
            await MatrixAssert.OkAsync(await _local.SendSignedAsync(HttpMethod.Put, $"/_matrix/federation/v1/send/{txnId}", other.ServerName,
                other.SigningKey, fromOther.ToJsonString()));
        }
        Assert.Equal(2, _recorder.Received.Count);
    }

    [Fact]
    public async Task Pdu_results_are_stored_with_the_transaction()
    {
        var alice = await _local.Server.CreateUserAsync();
        var room = RoomId.Parse(await alice.CreateRoomAsync(new { preset = "public_chat" }));
        var bob = _events.User("bob");
        var join = await _events.JoinAsync(room, bob);
        string txnId = _events.NextTransactionId();
        var body = RemoteRoomEvents.Transaction(_remote.ServerName, [RemoteRoomEvents.ToJson(join)]);
        var first = await MatrixAssert.OkAsync(await _events.SendRawAsync(txnId, body));
        var again = await MatrixAssert.OkAsync(await _events.SendRawAsync(txnId, body));
        Assert.Equal($"{{\"pdus\":{{\"{join.EventId.Value}\":{{}}}}}}", first.ToJsonString());
        Assert.Equal(first.ToJsonString(), again.ToJsonString());
    }

    [Fact]
    public async Task Invalid_bodies_are_refused_with_the_spec_errors()
    {
        async Task Refused(JsonObject body, int status, string errcode) =>
            await MatrixAssert.ErrorAsync(await _events.SendRawAsync(_events.NextTransactionId(), body), status, errcode);

        var valid = RemoteRoomEvents.Transaction(_remote.ServerName, []);
        var noOrigin = valid.DeepClone().AsObject();
        noOrigin.Remove("origin");
        await Refused(noOrigin, 400, "M_BAD_JSON");
        var otherOrigin = valid.DeepClone().AsObject();
        otherOrigin["origin"] = "evil.example";
        await Refused(otherOrigin, 403, "M_FORBIDDEN");
        var noTs = valid.DeepClone().AsObject();
        noTs["origin_server_ts"] = "yesterday";
        await Refused(noTs, 400, "M_BAD_JSON");
        var noPdus = valid.DeepClone().AsObject();
        noPdus.Remove("pdus");
        await Refused(noPdus, 400, "M_BAD_JSON");
        var pduNotObject = valid.DeepClone().AsObject();
        pduNotObject["pdus"] = new JsonArray("not an event");
        await Refused(pduNotObject, 400, "M_BAD_JSON");
        var edusNotArray = valid.DeepClone().AsObject();
        edusNotArray["edus"] = new JsonObject();
        await Refused(edusNotArray, 400, "M_BAD_JSON");

        // spec: "at most 50 PDUs and 100 EDUs".
        var tooManyPdus = RemoteRoomEvents.Transaction(_remote.ServerName, Enumerable.Range(0, 51).Select(_ => (JsonNode)new JsonObject()));
        await Refused(tooManyPdus, 400, "M_BAD_JSON");
        var tooManyEdus = RemoteRoomEvents.Transaction(_remote.ServerName, [], Enumerable.Range(0, 101).Select(i => (JsonNode)Edu(TestEduType, new { n = i })));
        await Refused(tooManyEdus, 400, "M_BAD_JSON");
        Assert.Empty(_recorder.Received);

        // 50 PDUs and 100 EDUs are fine (the PDUs are for no known room: ignored).
        var atLimit = RemoteRoomEvents.Transaction(_remote.ServerName,
            Enumerable.Range(0, 50).Select(i => (JsonNode)new JsonObject { ["room_id"] = $"!unknown{i}:{_remote.ServerName}" }),
            Enumerable.Range(0, 100).Select(i => (JsonNode)Edu(TestEduType, new { n = i })));
        await MatrixAssert.OkAsync(await _events.SendRawAsync(_events.NextTransactionId(), atLimit));
        Assert.Equal(100, _recorder.Received.Count);

        await MatrixAssert.ErrorAsync(await _local.Http.PutAsync("/_matrix/federation/v1/send/unsigned",
            new StringContent(valid.ToJsonString(), System.Text.Encoding.UTF8, "application/json")), 401, "M_UNAUTHORIZED");
        await MatrixAssert.ErrorAsync(await _local.SendSignedAsync(HttpMethod.Put, "/_matrix/federation/v1/send/notjson", _remote.ServerName,
            _remote.SigningKey, "[1, 2]"), 400, "M_BAD_JSON");
    }

    [Fact]
    public async Task Pdus_from_a_server_denied_by_the_room_acl_are_ignored_with_an_error()
    {
        var alice = await _local.Server.CreateUserAsync();
        var room = RoomId.Parse(await alice.CreateRoomAsync(new { preset = "public_chat" }));
        var bob = _events.User("bob");
        var join = await _events.JoinAsync(room, bob);

        // Server names in ACLs are matched without the port: both test servers are "localhost".
        await alice.SetStateAsync(room.Value, "m.room.server_acl", "", new { allow = new[] { "*" }, deny = new[] { "localhost" }, allow_ip_literals = true });

        var results = await _events.SendAsync(join);
        Assert.Contains("ACL", results[join.EventId.Value]!["error"]!.GetValue<string>());
        Assert.Null(await _events.LocalDatabase.Events.GetEventAsync(join.EventId));
    }

    private sealed class RecordingEduHandler : IEduHandler
    {
        public ConcurrentQueue<(ServerName Origin, int N)> Received { get; } = new();
        public TimeSpan Delay { get; set; }
        public string EduType => TestEduType;

        public async Task HandleAsync(ServerName origin, JsonElement content, CancellationToken cancellationToken)
        {
            await Task.Delay(Delay, cancellationToken);
            Received.Enqueue((origin, content.GetProperty("n").GetInt32()));
        }
    }

    private sealed class ThrowingEduHandler : IEduHandler
    {
        public string EduType => TestEduType;

        public Task HandleAsync(ServerName origin, JsonElement content, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("handler failure");
    }
}

public sealed class TransactionTests_Sqlite : TransactionTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class TransactionTests_Postgres : TransactionTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
