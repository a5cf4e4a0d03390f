using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Server.Federation.Events;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation;

/// <summary>
/// Receive checks 1–3 on PDUs signed by a real remote server whose keys are fetched over federation.
/// spec: server-server "Checks performed on receipt of a PDU"; "Validating hashes and signatures on received events".
/// </summary>
public sealed class IncomingPduChecksTests : IAsyncLifetime
{
    private FederatedHomeserver _receiver = null!;
    private FederatedHomeserver _remote = null!;
    private IncomingPduChecks _checks = null!;

    public async Task InitializeAsync()
    {
        _receiver = await FederatedHomeserver.StartAsync(TestEngine.Sqlite);
        _remote = await FederatedHomeserver.StartAsync(TestEngine.Sqlite);
        _checks = _receiver.Server.Services.GetRequiredService<IncomingPduChecks>();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _remote.DisposeAsync();
    }

    private JsonObject Message(string body = "hello", long? ts = null, RoomVersion? version = null)
    {
        var json = new JsonObject
        {
            ["room_id"] = $"!room:{_remote.ServerName}",
            ["type"] = "m.room.message",
            ["sender"] = $"@bob:{_remote.ServerName}",
            ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = body },
            ["depth"] = 5,
            ["origin_server_ts"] = ts ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["prev_events"] = new JsonArray("$prev"),
            ["auth_events"] = new JsonArray("$create"),
        };
        if (version?.EventIdInPdu == true)
        {
            json["event_id"] = $"$abc:{_remote.ServerName}";
            json["prev_events"] = new JsonArray(new JsonArray("$prev:x.example", new JsonObject()));
            json["auth_events"] = new JsonArray(new JsonArray("$create:x.example", new JsonObject()));
        }
        return json;
    }

    private static JsonObject Sign(JsonObject @event, ServerName server, SigningKey key, RoomVersion version)
    {
        Assert.True(EventSigning.TryHashAndSign(Encoding.UTF8.GetBytes(@event.ToJsonString()), version, server.Value, key, out byte[]? signed, out string? error), error);
        return JsonNode.Parse(signed)!.AsObject();
    }

    private Task<PduCheckResult> Check(JsonObject @event, RoomVersion? version = null) =>
        _checks.CheckAsync(Encoding.UTF8.GetBytes(@event.ToJsonString()), version ?? KnownRoomVersions.V10);

    [Fact]
    public async Task A_validly_signed_event_is_accepted_as_received()
    {
        var result = await Check(Sign(Message(), _remote.ServerName, _remote.SigningKey, KnownRoomVersions.V10));
        Assert.Equal(PduCheckOutcome.Accepted, result.Outcome);
        Assert.Equal("hello", result.Pdu!.Content.GetProperty("body").GetString());
    }

    [Fact]
    public async Task Changed_content_keeps_the_signature_valid_but_the_redacted_copy_is_used()
    {
        var signed = Sign(Message(), _remote.ServerName, _remote.SigningKey, KnownRoomVersions.V10);
        signed["content"]!["body"] = "tampered";
        var result = await Check(signed);
        Assert.Equal(PduCheckOutcome.Redacted, result.Outcome);
        Assert.Equal(JsonValueKind.Object, result.Pdu!.Content.ValueKind);
        Assert.False(result.Pdu.Content.TryGetProperty("body", out _));
    }

    [Fact]
    public async Task Events_with_missing_forged_or_unverifiable_signatures_are_dropped()
    {
        var signed = Sign(Message(), _remote.ServerName, _remote.SigningKey, KnownRoomVersions.V10);
        var tampered = signed.DeepClone().AsObject();
        tampered["depth"] = 6;
        Assert.Equal(PduCheckOutcome.Dropped, (await Check(tampered)).Outcome);

        var unsigned = signed.DeepClone().AsObject();
        unsigned["signatures"] = new JsonObject();
        Assert.Contains("not signed by", (await Check(unsigned)).Reason);
        unsigned.Remove("signatures");
        Assert.Equal(PduCheckOutcome.Dropped, (await Check(unsigned)).Outcome);

        // Signed by another server than the sender's.
        var byOther = Sign(Message(), _receiver.ServerName, _receiver.SigningKey, KnownRoomVersions.V10);
        Assert.Contains("not signed by", (await Check(byOther)).Reason);

        // Signed with a key the sender's server does not publish.
        using var unknown = SigningKey.Generate("unknown");
        var result = await Check(Sign(Message(), _remote.ServerName, unknown, KnownRoomVersions.V10));
        Assert.Equal(PduCheckOutcome.Dropped, result.Outcome);
        Assert.Null(result.Pdu);
    }

    [Fact]
    public async Task Malformed_events_are_dropped()
    {
        var noRoom = Sign(Message(), _remote.ServerName, _remote.SigningKey, KnownRoomVersions.V10);
        noRoom.Remove("room_id");
        Assert.StartsWith("Invalid event", (await Check(noRoom)).Reason);
        var notJson = await _checks.CheckAsync("{not json"u8.ToArray(), KnownRoomVersions.V10);
        Assert.Equal(PduCheckOutcome.Dropped, notJson.Outcome);
    }

    [Fact]
    public async Task Keys_must_be_valid_when_the_event_was_sent_from_room_version_5_on()
    {
        // Our published keys are valid for one day; an event claiming to be sent in two days is not covered.
        long later = DateTimeOffset.UtcNow.AddDays(2).ToUnixTimeMilliseconds();
        var v10 = await Check(Sign(Message(ts: later), _remote.ServerName, _remote.SigningKey, KnownRoomVersions.V10));
        Assert.Equal(PduCheckOutcome.Dropped, v10.Outcome);
        var v4 = await Check(Sign(Message(ts: later), _remote.ServerName, _remote.SigningKey, KnownRoomVersions.V4), KnownRoomVersions.V4);
        Assert.Equal(PduCheckOutcome.Accepted, v4.Outcome);
    }

    [Fact]
    public async Task Room_version_1_events_also_need_the_event_id_servers_signature()
    {
        var v1 = KnownRoomVersions.V1;
        var message = Message(version: v1);
        message["event_id"] = $"$abc:{_receiver.ServerName}";
        var bySenderOnly = Sign(message, _remote.ServerName, _remote.SigningKey, v1);
        var result = await Check(bySenderOnly, v1);
        Assert.Contains(_receiver.ServerName.Value, result.Reason);

        var byBoth = Sign(bySenderOnly, _receiver.ServerName, _receiver.SigningKey, v1);
        Assert.Equal(PduCheckOutcome.Accepted, (await Check(byBoth, v1)).Outcome);
    }

    [Fact]
    public async Task Restricted_joins_need_the_authorising_servers_signature()
    {
        var join = new JsonObject
        {
            ["room_id"] = $"!room:{_receiver.ServerName}",
            ["type"] = "m.room.member",
            ["state_key"] = $"@bob:{_remote.ServerName}",
            ["sender"] = $"@bob:{_remote.ServerName}",
            ["content"] = new JsonObject { ["membership"] = "join", ["join_authorised_via_users_server"] = $"@admin:{_receiver.ServerName}" },
            ["depth"] = 5,
            ["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["prev_events"] = new JsonArray("$prev"),
            ["auth_events"] = new JsonArray("$create"),
        };
        var bySender = Sign(join, _remote.ServerName, _remote.SigningKey, KnownRoomVersions.V10);
        var result = await Check(bySender);
        Assert.Equal(PduCheckOutcome.Dropped, result.Outcome);
        Assert.Contains(_receiver.ServerName.Value, result.Reason);

        var countersigned = Sign(bySender, _receiver.ServerName, _receiver.SigningKey, KnownRoomVersions.V10);
        Assert.Equal(PduCheckOutcome.Accepted, (await Check(countersigned)).Outcome);
    }
}
