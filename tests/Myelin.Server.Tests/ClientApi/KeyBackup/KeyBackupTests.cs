using System.Text.Json.Nodes;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.KeyBackup;

public abstract class KeyBackupTests
{
    private const string V3 = "/_matrix/client/v3";
    private const string Algorithm = "m.megolm_backup.v1.curve25519-aes-sha2";
    private const string Room = "!room:localhost";
    private static readonly string RoomPath = Uri.EscapeDataString(Room);

    protected abstract TestEngine Engine { get; }

    private static object NewVersion(string publicKey = "cHVibGljS2V5") => new { algorithm = Algorithm, auth_data = new { public_key = publicKey } };

    private static JsonObject Key(int firstMessageIndex, int forwardedCount, bool verified, string marker) => new()
    {
        ["first_message_index"] = firstMessageIndex,
        ["forwarded_count"] = forwardedCount,
        ["is_verified"] = verified,
        ["session_data"] = new JsonObject { ["ciphertext"] = marker, ["ephemeral"] = "e", ["mac"] = "m" },
    };

    [Fact]
    public async Task Backup_versions_are_created_read_updated_and_deleted()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.CreateUserAsync("alice");
        var bob = await server.CreateUserAsync("bob");

        await MatrixAssert.ErrorAsync(await alice.GetAsync(V3 + "/room_keys/version"), 404, "M_NOT_FOUND");
        string v1 = (await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/room_keys/version", NewVersion())))["version"]!.GetValue<string>();
        string v2 = (await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/room_keys/version", NewVersion("c2Vjb25k"))))["version"]!.GetValue<string>();
        Assert.NotEqual(v1, v2);

        var current = await MatrixAssert.OkAsync(await alice.GetAsync(V3 + "/room_keys/version"));
        Assert.Equal(v2, current["version"]!.GetValue<string>());
        Assert.Equal(Algorithm, current["algorithm"]!.GetValue<string>());
        Assert.Equal("c2Vjb25k", current["auth_data"]!["public_key"]!.GetValue<string>());
        Assert.Equal(0, current["count"]!.GetValue<int>());
        Assert.Equal(JsonValueKindString, current["etag"]!.GetValueKind());
        Assert.Equal("cHVibGljS2V5", (await MatrixAssert.OkAsync(await alice.GetAsync(V3 + "/room_keys/version/" + v1)))["auth_data"]!["public_key"]!.GetValue<string>());
        // Backups are per user.
        await MatrixAssert.ErrorAsync(await bob.GetAsync(V3 + "/room_keys/version/" + v1), 404, "M_NOT_FOUND");

        await MatrixAssert.OkAsync(await alice.PutAsync(V3 + "/room_keys/version/" + v2, new { algorithm = Algorithm, auth_data = new { public_key = "bmV3" }, version = v2 }));
        Assert.Equal("bmV3", (await MatrixAssert.OkAsync(await alice.GetAsync(V3 + "/room_keys/version/" + v2)))["auth_data"]!["public_key"]!.GetValue<string>());
        await MatrixAssert.ErrorAsync(await alice.PutAsync(V3 + "/room_keys/version/" + v2, new { algorithm = Algorithm, auth_data = new { }, version = v1 }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(V3 + "/room_keys/version/" + v2, new { algorithm = "other", auth_data = new { } }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(V3 + "/room_keys/version/999", new { algorithm = Algorithm, auth_data = new { } }), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(V3 + "/room_keys/version", new { algorithm = Algorithm }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync(V3 + "/room_keys/version", new { algorithm = Algorithm, auth_data = "x" }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.GetAsync(V3 + "/room_keys/version/notanumber"), 404, "M_NOT_FOUND");

        await MatrixAssert.OkAsync(await alice.DeleteAsync(V3 + "/room_keys/version/" + v2));
        await MatrixAssert.ErrorAsync(await alice.GetAsync(V3 + "/room_keys/version/" + v2), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.DeleteAsync(V3 + "/room_keys/version/" + v2), 404, "M_NOT_FOUND");
        Assert.Equal(v1, (await MatrixAssert.OkAsync(await alice.GetAsync(V3 + "/room_keys/version")))["version"]!.GetValue<string>());
        // A deleted version's number is not reused.
        string v3 = (await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/room_keys/version", NewVersion())))["version"]!.GetValue<string>();
        Assert.NotEqual(v2, v3);
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(V3 + "/room_keys/version"), 401, "M_MISSING_TOKEN");
    }

    private const System.Text.Json.JsonValueKind JsonValueKindString = System.Text.Json.JsonValueKind.String;

    [Fact]
    public async Task Keys_are_stored_in_the_current_version_and_replaced_only_by_better_keys()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.CreateUserAsync("alice");
        string old = (await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/room_keys/version", NewVersion())))["version"]!.GetValue<string>();
        string version = (await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/room_keys/version", NewVersion())))["version"]!.GetValue<string>();
        string q = "?version=" + version;

        var wrong = await MatrixAssert.ErrorAsync(await alice.PutAsync($"{V3}/room_keys/keys/{RoomPath}/s1?version={old}", Key(5, 0, false, "a")), 403, "M_WRONG_ROOM_KEYS_VERSION");
        Assert.Equal(version, wrong["current_version"]!.GetValue<string>());

        var put = await MatrixAssert.OkAsync(await alice.PutAsync($"{V3}/room_keys/keys/{RoomPath}/s1{q}", Key(5, 1, false, "first")));
        Assert.Equal(1, put["count"]!.GetValue<int>());
        string etag = put["etag"]!.GetValue<string>();

        // Worse keys are ignored (higher index; same index but more forwards; unverified against verified).
        var same = await MatrixAssert.OkAsync(await alice.PutAsync($"{V3}/room_keys/keys/{RoomPath}/s1{q}", Key(6, 0, false, "worse-index")));
        Assert.Equal(etag, same["etag"]!.GetValue<string>());
        await MatrixAssert.OkAsync(await alice.PutAsync($"{V3}/room_keys/keys/{RoomPath}/s1{q}", Key(5, 2, false, "worse-forwards")));
        Assert.Equal("first", (await MatrixAssert.OkAsync(await alice.GetAsync($"{V3}/room_keys/keys/{RoomPath}/s1{q}")))["session_data"]!["ciphertext"]!.GetValue<string>());

        // Better: lower forwarded_count, then lower index, then verified beats everything.
        await MatrixAssert.OkAsync(await alice.PutAsync($"{V3}/room_keys/keys/{RoomPath}/s1{q}", Key(5, 0, false, "fewer-forwards")));
        Assert.Equal("fewer-forwards", (await MatrixAssert.OkAsync(await alice.GetAsync($"{V3}/room_keys/keys/{RoomPath}/s1{q}")))["session_data"]!["ciphertext"]!.GetValue<string>());
        await MatrixAssert.OkAsync(await alice.PutAsync($"{V3}/room_keys/keys/{RoomPath}/s1{q}", Key(9, 3, true, "verified")));
        await MatrixAssert.OkAsync(await alice.PutAsync($"{V3}/room_keys/keys/{RoomPath}/s1{q}", Key(0, 0, false, "unverified-lower-index")));
        var stored = await MatrixAssert.OkAsync(await alice.GetAsync($"{V3}/room_keys/keys/{RoomPath}/s1{q}"));
        Assert.Equal("verified", stored["session_data"]!["ciphertext"]!.GetValue<string>());
        Assert.True(stored["is_verified"]!.GetValue<bool>());
        Assert.Equal(9, stored["first_message_index"]!.GetValue<int>());

        var room = await MatrixAssert.OkAsync(await alice.PutAsync($"{V3}/room_keys/keys/{RoomPath}{q}",
            new JsonObject { ["sessions"] = new JsonObject { ["s2"] = Key(0, 0, false, "s2") } }));
        Assert.Equal(2, room["count"]!.GetValue<int>());
        var all = await MatrixAssert.OkAsync(await alice.PutAsync($"{V3}/room_keys/keys{q}",
            new JsonObject { ["rooms"] = new JsonObject { ["!other:localhost"] = new JsonObject { ["sessions"] = new JsonObject { ["s3"] = Key(0, 0, false, "s3") } } } }));
        Assert.Equal(3, all["count"]!.GetValue<int>());
        Assert.NotEqual(etag, all["etag"]!.GetValue<string>());
        var info = await MatrixAssert.OkAsync(await alice.GetAsync(V3 + "/room_keys/version"));
        Assert.Equal(3, info["count"]!.GetValue<int>());
        Assert.Equal(all["etag"]!.GetValue<string>(), info["etag"]!.GetValue<string>());

        var everything = await MatrixAssert.OkAsync(await alice.GetAsync($"{V3}/room_keys/keys{q}"));
        Assert.Equal(new[] { "!other:localhost", Room }, everything["rooms"]!.AsObject().Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.Equal(["s1", "s2"], everything["rooms"]![Room]!["sessions"]!.AsObject().Select(s => s.Key));
        Assert.Empty((await MatrixAssert.OkAsync(await alice.GetAsync($"{V3}/room_keys/keys/{Uri.EscapeDataString("!empty:localhost")}{q}")))["sessions"]!.AsObject());
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{V3}/room_keys/keys/{RoomPath}/nosuch{q}"), 404, "M_NOT_FOUND");
        // The old version holds nothing.
        Assert.Empty((await MatrixAssert.OkAsync(await alice.GetAsync($"{V3}/room_keys/keys?version={old}")))["rooms"]!.AsObject());

        var deleted = await MatrixAssert.OkAsync(await alice.DeleteAsync($"{V3}/room_keys/keys/{RoomPath}/s1{q}"));
        Assert.Equal(2, deleted["count"]!.GetValue<int>());
        Assert.Equal(0, (await MatrixAssert.OkAsync(await alice.DeleteAsync($"{V3}/room_keys/keys{q}")))["count"]!.GetValue<int>());
        Assert.Empty((await MatrixAssert.OkAsync(await alice.GetAsync($"{V3}/room_keys/keys{q}")))["rooms"]!.AsObject());
    }

    [Fact]
    public async Task Malformed_key_uploads_and_missing_versions_are_refused()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.CreateUserAsync("alice");
        await MatrixAssert.ErrorAsync(await alice.PutAsync($"{V3}/room_keys/keys/{RoomPath}/s1?version=1", Key(0, 0, false, "x")), 404, "M_NOT_FOUND");
        string version = (await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/room_keys/version", NewVersion())))["version"]!.GetValue<string>();
        string q = "?version=" + version;

        await MatrixAssert.ErrorAsync(await alice.PutAsync($"{V3}/room_keys/keys/{RoomPath}/s1", Key(0, 0, false, "x")), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{V3}/room_keys/keys"), 400, "M_MISSING_PARAM");
        var noData = Key(0, 0, false, "x");
        noData.Remove("session_data");
        await MatrixAssert.ErrorAsync(await alice.PutAsync($"{V3}/room_keys/keys/{RoomPath}/s1{q}", noData), 400, "M_MISSING_PARAM");
        var badIndex = Key(0, 0, false, "x");
        badIndex["first_message_index"] = "zero";
        await MatrixAssert.ErrorAsync(await alice.PutAsync($"{V3}/room_keys/keys/{RoomPath}/s1{q}", badIndex), 400, "M_BAD_JSON");
        var badVerified = Key(0, 0, false, "x");
        badVerified["is_verified"] = 1;
        await MatrixAssert.ErrorAsync(await alice.PutAsync($"{V3}/room_keys/keys/{RoomPath}/s1{q}", badVerified), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PutAsync($"{V3}/room_keys/keys/{RoomPath}{q}", new { sessions = "x" }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PutAsync($"{V3}/room_keys/keys{q}", new { }), 400, "M_MISSING_PARAM");
        // A bad key in a batch stores none of the batch.
        await MatrixAssert.ErrorAsync(await alice.PutAsync($"{V3}/room_keys/keys/{RoomPath}{q}",
            new JsonObject { ["sessions"] = new JsonObject { ["good"] = Key(0, 0, false, "g"), ["bad"] = badIndex.DeepClone() } }), 400, "M_BAD_JSON");
        Assert.Equal(0, (await MatrixAssert.OkAsync(await alice.GetAsync(V3 + "/room_keys/version")))["count"]!.GetValue<int>());
        await MatrixAssert.ErrorAsync(await alice.GetAsync($"{V3}/room_keys/keys?version=77"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.DeleteAsync($"{V3}/room_keys/keys?version=77"), 404, "M_NOT_FOUND");
    }
}

public sealed class KeyBackupTests_Sqlite : KeyBackupTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class KeyBackupTests_Postgres : KeyBackupTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
