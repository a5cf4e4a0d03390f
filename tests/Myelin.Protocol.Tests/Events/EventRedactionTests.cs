using System.Text;
using System.Text.Json;
using Myelin.Protocol.Events;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Tests.Events;

public class EventRedactionTests
{
    private static JsonElement Redact(string json, RoomVersion version) =>
        JsonDocument.Parse(EventRedaction.Redact(Encoding.UTF8.GetBytes(json), version)).RootElement;

    private static string[] Keys(JsonElement obj) => [.. obj.EnumerateObject().Select(p => p.Name)];

    private static string Event(string type, string content, string stateKey = "\"\"") => $$$"""
        {"type":"{{{type}}}","state_key":{{{stateKey}}},"content":{{{content}}},"room_id":"!r:x","sender":"@u:x",
         "event_id":"$e:x","origin":"x","origin_server_ts":1,"membership":"join","prev_state":[],"depth":1,
         "prev_events":[],"auth_events":[],"hashes":{"sha256":"h"},"signatures":{"x":{"ed25519:1":"s"}},
         "unsigned":{"age":1},"redacts":"$y:x","other":true}
        """;

    [Fact]
    public void Top_level_keys_before_v11_keep_origin_membership_and_prev_state()
    {
        var redacted = Redact(Event("m.room.message", """{"body":"hi"}"""), KnownRoomVersions.V10);
        Assert.Equal(
            ["auth_events", "content", "depth", "event_id", "hashes", "membership", "origin", "origin_server_ts", "prev_events",
             "prev_state", "room_id", "sender", "signatures", "state_key", "type"],
            Keys(redacted));
        Assert.Empty(Keys(redacted.GetProperty("content")));
    }

    [Fact]
    public void V11_drops_origin_membership_and_prev_state()
    {
        var redacted = Redact(Event("m.room.message", """{"body":"hi"}"""), KnownRoomVersions.V11);
        Assert.Equal(
            ["auth_events", "content", "depth", "event_id", "hashes", "origin_server_ts", "prev_events", "room_id", "sender",
             "signatures", "state_key", "type"],
            Keys(redacted));
    }

    public static TheoryData<string, string, string, string[]> ContentCases => new()
    {
        // type, content, room version, content keys kept
        { "m.room.member", """{"membership":"join","displayname":"x","join_authorised_via_users_server":"@a:x"}""", "8", ["membership"] },
        { "m.room.member", """{"membership":"join","displayname":"x","join_authorised_via_users_server":"@a:x"}""", "9", ["join_authorised_via_users_server", "membership"] },
        { "m.room.member", """{"membership":"invite","third_party_invite":{"signed":{"a":1},"display_name":"d"}}""", "10", ["membership"] },
        { "m.room.member", """{"membership":"invite","third_party_invite":{"signed":{"a":1},"display_name":"d"}}""", "11", ["membership", "third_party_invite"] },
        { "m.room.create", """{"creator":"@u:x","room_version":"1","m.federate":false}""", "10", ["creator"] },
        { "m.room.create", """{"creator":"@u:x","room_version":"11","m.federate":false}""", "11", ["creator", "m.federate", "room_version"] },
        { "m.room.join_rules", """{"join_rule":"restricted","allow":[]}""", "7", ["join_rule"] },
        { "m.room.join_rules", """{"join_rule":"restricted","allow":[]}""", "8", ["allow", "join_rule"] },
        { "m.room.power_levels", """{"ban":50,"events":{},"events_default":0,"invite":0,"kick":50,"redact":50,"state_default":50,"users":{},"users_default":0,"notifications":{}}""", "10",
            ["ban", "events", "events_default", "kick", "redact", "state_default", "users", "users_default"] },
        { "m.room.power_levels", """{"ban":50,"events":{},"events_default":0,"invite":0,"kick":50,"redact":50,"state_default":50,"users":{},"users_default":0,"notifications":{}}""", "11",
            ["ban", "events", "events_default", "invite", "kick", "redact", "state_default", "users", "users_default"] },
        { "m.room.aliases", """{"aliases":["#a:x"]}""", "5", ["aliases"] },
        { "m.room.aliases", """{"aliases":["#a:x"]}""", "6", [] },
        { "m.room.history_visibility", """{"history_visibility":"shared","x":1}""", "1", ["history_visibility"] },
        { "m.room.redaction", """{"redacts":"$y:x","reason":"spam"}""", "10", [] },
        { "m.room.redaction", """{"redacts":"$y:x","reason":"spam"}""", "11", ["redacts"] },
        { "m.room.name", """{"name":"secret"}""", "12", [] },
    };

    [Theory]
    [MemberData(nameof(ContentCases))]
    public void Content_keeps_the_keys_each_room_version_protects(string type, string content, string versionId, string[] kept)
    {
        var redacted = Redact(Event(type, content), KnownRoomVersions.All[versionId]);
        Assert.Equal(kept, Keys(redacted.GetProperty("content")));
    }

    [Fact]
    public void V11_third_party_invite_keeps_only_signed()
    {
        var redacted = Redact(Event("m.room.member", """{"membership":"invite","third_party_invite":{"signed":{"a":1},"display_name":"d"}}""", "\"@u:x\""), KnownRoomVersions.V11);
        Assert.Equal("""{"signed":{"a":1}}""", redacted.GetProperty("content").GetProperty("third_party_invite").GetRawText());
    }

    [Fact]
    public void Redaction_output_is_canonical_and_idempotent()
    {
        byte[] once = EventRedaction.Redact(Encoding.UTF8.GetBytes(Event("m.room.member", """{"membership":"join","avatar_url":"mxc://x/y"}""")), KnownRoomVersions.V12);
        byte[] twice = EventRedaction.Redact(once, KnownRoomVersions.V12);
        Assert.Equal(once, twice);
        Assert.StartsWith("{\"auth_events\":[],\"content\":{\"membership\":\"join\"}", Encoding.UTF8.GetString(once), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{")]
    [InlineData("{\"type\":\"m.room.message\",\"depth\":1.5,\"content\":{}}")]
    public void Bad_input_is_an_error(string json)
    {
        Assert.False(EventRedaction.TryRedact(Encoding.UTF8.GetBytes(json), KnownRoomVersions.V11, out _, out string? error));
        Assert.NotNull(error);
    }
}
