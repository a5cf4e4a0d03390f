using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Rooms;
using Myelin.Server.Tests.Support;
using Myelin.Storage.Events;
using Myelin.Storage.State;

namespace Myelin.Server.Tests.FederationApi;

/// <summary>
/// A server that joined a room late paginates <c>/messages</c> back past its join: the history only the other server
/// has is fetched with <c>/backfill</c>, checked and stored as history. spec: server-server "Backfilling and retrieving
/// missing events".
/// </summary>
public abstract class BackfillForMessagesTests
{
    private readonly ReadServersFixture _f;

    protected BackfillForMessagesTests(ReadServersFixture fixture) => _f = fixture;

    /// <summary>
    /// Gives <see cref="ReadServersFixture.Member"/> the room as a join through send_join would: the state before the
    /// join and its auth chain as outliers, then the join itself with that state (the room's only known timeline event).
    /// </summary>
    private async Task HandOverRoomAsync(RoomId roomId, EventId join)
    {
        var source = _f.Local.Server.Services.GetRequiredService<RoomEvents>();
        var target = _f.Member.Server.Services.GetRequiredService<RoomEvents>();
        var version = (await source.GetRoomVersionAsync(roomId))!;
        var state = (await source.Database.State.GetStateBeforeEventAsync(join))!;
        var joinPdu = (await source.GetPduAsync(join))!;
        var needed = new Dictionary<EventId, Pdu>();
        var frontier = new List<EventId>([.. state.Values, .. joinPdu.AuthEvents]);
        while (frontier.Count > 0)
        {
            var next = new List<EventId>();
            foreach (var (id, pdu) in await source.GetPdusAsync(frontier))
            {
                if (needed.TryAdd(id, pdu))
                {
                    next.AddRange(pdu.AuthEvents);
                }
            }
            frontier = next;
        }
        await target.Database.Rooms.CreateAsync(roomId, version.Id, null, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        foreach (var pdu in needed.Values.OrderBy(p => p.Depth))
        {
            await target.Database.Events.PersistAsync(new PersistEventRequest(PduParser.Parse(pdu.Json, version)) { IsOutlier = true });
        }
        await target.Database.Events.PersistAsync(new PersistEventRequest(PduParser.Parse(joinPdu.Json, version))
        {
            StateBefore = new StateInput.Full(state),
        });
    }

    [Fact]
    public async Task A_late_joiner_paginates_messages_across_history_only_the_other_server_had()
    {
        var room = await _f.CreateRoomAsync("shared");
        for (int i = 1; i <= 3; i++)
        {
            await _f.SendMessageAsync(room, $"early {i}");
        }
        var bob = await _f.Member.Server.RegisterAsync();
        var join = await RemoteRoomEvents.JoinAsync(_f.Local, room, bob.UserId, _f.Member.SigningKey);
        await HandOverRoomAsync(room, join.EventId);
        var memberDb = _f.Member.Host.Database;
        var liveMax = await memberDb.Events.GetMaxStreamPositionAsync();
        string path = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room.Value)}/messages?dir=b&limit=50";

        var page = await MatrixAssert.OkAsync(await bob.GetAsync(path));
        var chunk = page["chunk"]!.AsArray();
        var bodies = chunk.Select(e => e!["content"]?["body"]?.GetValue<string>()).Where(b => b is not null).ToList();
        Assert.Equal(["early 3", "early 2", "early 1"], bodies);
        Assert.Equal(bob.UserId.Value, chunk[0]!["state_key"]!.GetValue<string>()); // newest first: the join
        Assert.Equal(EventTypes.Create, chunk[^1]!["type"]!.GetValue<string>()); // back to the room's beginning
        Assert.Null(page["end"]);

        // Stored as history: below every live position, the live stream and the current state untouched.
        var early = chunk.First(e => e!["content"]?["body"]?.GetValue<string>() == "early 1")!;
        var stored = (await memberDb.Events.GetEventAsync(EventId.Parse(early["event_id"]!.GetValue<string>())))!;
        Assert.True(stored.StreamPosition.Value < 0);
        Assert.Equal(liveMax, await memberDb.Events.GetMaxStreamPositionAsync());
        Assert.Equal([join.EventId], await memberDb.Events.GetForwardExtremitiesAsync(room));

        // Nothing is missing any more: the same page again comes from our own store.
        var again = await MatrixAssert.OkAsync(await bob.GetAsync(path));
        Assert.Equal(chunk.Count, again["chunk"]!.AsArray().Count);

        // Tokens inside the backfilled history (negative stream positions) page on like any other.
        string small = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room.Value)}/messages?dir=b&limit=2";
        var pages = new List<string>();
        string? from = null;
        for (int i = 0; i < 20; i++)
        {
            var part = await MatrixAssert.OkAsync(await bob.GetAsync(from is null ? small : $"{small}&from={Uri.EscapeDataString(from)}"));
            pages.AddRange(part["chunk"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>()));
            from = part["end"]?.GetValue<string>();
            if (from is null)
            {
                break;
            }
        }
        Assert.Equal(chunk.Select(e => e!["event_id"]!.GetValue<string>()), pages);
    }

    [Fact]
    public async Task Backfill_is_bounded_to_one_request_per_messages_call()
    {
        var room = await _f.CreateRoomAsync("shared");
        for (int i = 1; i <= 120; i++)
        {
            await _f.SendMessageAsync(room, $"m{i}");
        }
        var bob = await _f.Member.Server.RegisterAsync();
        var join = await RemoteRoomEvents.JoinAsync(_f.Local, room, bob.UserId, _f.Member.SigningKey);
        await HandOverRoomAsync(room, join.EventId);
        string path = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room.Value)}/messages?dir=b&limit=200";

        // One request brings 100 events (the limit); the next call continues from where that history stops.
        var first = await MatrixAssert.OkAsync(await bob.GetAsync(path));
        int firstCount = first["chunk"]!.AsArray().Count(e => e!["content"]?["body"] is not null);
        Assert.InRange(firstCount, 90, 100);
        var second = await MatrixAssert.OkAsync(await bob.GetAsync(path));
        var bodies = second["chunk"]!.AsArray().Select(e => e!["content"]?["body"]?.GetValue<string>()).Where(b => b is not null).ToList();
        Assert.Equal(120, bodies.Count);
        Assert.Equal("m1", bodies[^1]);
    }
    [Fact]
    public async Task A_user_joining_over_federation_reads_the_history_from_before_the_join()
    {
        var room = await _f.CreateRoomAsync("shared");
        for (int i = 1; i <= 3; i++)
        {
            await _f.SendMessageAsync(room, $"before {i}");
        }
        var bob = await _f.Member.Server.RegisterAsync();
        string escaped = Uri.EscapeDataString(room.Value);
        // A real make_join / send_join from Member to Local.
        await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/join/{escaped}?server_name={Uri.EscapeDataString(_f.Local.ServerName.Value)}", new { }));

        var page = await MatrixAssert.OkAsync(await bob.GetAsync($"/_matrix/client/v3/rooms/{escaped}/messages?dir=b&limit=50"));
        var chunk = page["chunk"]!.AsArray();
        var bodies = chunk.Select(e => e!["content"]?["body"]?.GetValue<string>()).Where(b => b is not null).ToList();
        Assert.Equal(["before 3", "before 2", "before 1"], bodies);
        Assert.Equal(EventTypes.Create, chunk[^1]!["type"]!.GetValue<string>());
        Assert.Contains(chunk, e => e!["type"]!.GetValue<string>() == EventTypes.Member && e["state_key"]!.GetValue<string>() == _f.Alice.UserId.Value);
    }
}

public sealed class BackfillForMessagesTests_Sqlite(ReadServersFixture.Sqlite fixture) : BackfillForMessagesTests(fixture), IClassFixture<ReadServersFixture.Sqlite>;
public sealed class BackfillForMessagesTests_Postgres(ReadServersFixture.Postgres fixture) : BackfillForMessagesTests(fixture), IClassFixture<ReadServersFixture.Postgres>;
