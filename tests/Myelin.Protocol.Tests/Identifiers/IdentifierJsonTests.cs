using System.Text.Json;
using Myelin.Protocol.Identifiers;

namespace Myelin.Protocol.Tests.Identifiers;

public class IdentifierJsonTests
{
    private sealed record Sample(UserId Sender, RoomId Room, EventId Event, RoomAlias Alias, ServerName Origin,
        DeviceId Device, KeyId Key, MxcUri Avatar, TransactionId Txn, Dictionary<UserId, int> Users);

    [Fact]
    public void Identifiers_round_trip_as_json_strings_and_dictionary_keys()
    {
        const string json = """
            {"Sender":"@a:x.org","Room":"!r:x.org","Event":"$e","Alias":"#al:x.org","Origin":"x.org",
             "Device":"DEV","Key":"ed25519:1","Avatar":"mxc://x.org/m","Txn":"t1","Users":{"@b:y.org":50}}
            """;
        var sample = JsonSerializer.Deserialize<Sample>(json)!;
        Assert.Equal(UserId.Parse("@a:x.org"), sample.Sender);
        Assert.Equal(50, sample.Users[UserId.Parse("@b:y.org")]);
        Assert.Equal("ed25519", sample.Key.Algorithm);
        string written = JsonSerializer.Serialize(sample);
        var again = JsonSerializer.Deserialize<Sample>(written)!;
        Assert.Equal(sample, again with { Users = sample.Users });
        Assert.Contains("\"@b:y.org\":50", written, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"not-a-user\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("{}")]
    public void Invalid_identifiers_fail_with_a_json_exception(string json)
    {
        var ex = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<UserId>(json));
        Assert.Contains("user ID", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_dictionary_key_fails_with_a_json_exception() =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Dictionary<UserId, int>>("""{"nope":1}"""));
}
