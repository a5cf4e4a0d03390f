using Myelin.Protocol.Identifiers;

namespace Myelin.Protocol.Tests.Identifiers;

public class OtherIdentifierTests
{
    [Theory]
    [InlineData("#room:example.com", "room", "example.com")]
    [InlineData("#日本語 room:example.com:8448", "日本語 room", "example.com:8448")]
    public void Parses_room_aliases(string value, string alias, string server)
    {
        var a = RoomAlias.Parse(value);
        Assert.Equal(alias, a.Alias);
        Assert.Equal(server, a.Server.Value);
    }

    [Theory]
    [InlineData("#:example.com")]
    [InlineData("#room")]
    [InlineData("room:example.com")]
    [InlineData("#room:")]
    [InlineData("#ro\0om:example.com")]
    public void Rejects_invalid_room_aliases(string value) => Assert.False(RoomAlias.TryParse(value, out _));

    [Fact]
    public void Room_alias_limit_is_255_bytes()
    {
        string ok = "#" + new string('a', 250) + ":x.io";
        Assert.Equal(256, ok.Length);
        Assert.False(RoomAlias.TryParse(ok, out _));
        Assert.True(RoomAlias.TryParse(ok.Remove(1, 1), out _));
    }

    [Theory]
    [InlineData("ed25519:abc", "ed25519", "abc", true)]
    [InlineData("ed25519:a_1", "ed25519", "a_1", true)]
    [InlineData("signed_curve25519:AAAAAQ", "signed_curve25519", "AAAAAQ", true)]
    [InlineData("ed25519:DEVICE-ID.x", "ed25519", "DEVICE-ID.x", false)]
    public void Parses_key_ids(string value, string algorithm, string version, bool serverKeyVersion)
    {
        var id = KeyId.Parse(value);
        Assert.Equal(algorithm, id.Algorithm);
        Assert.Equal(version, id.Version);
        Assert.Equal(serverKeyVersion, id.IsValidServerKeyVersion);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ed25519")]
    [InlineData(":abc")]
    [InlineData("ed25519:")]
    [InlineData("ED25519:abc")]
    [InlineData("ed 25519:abc")]
    public void Rejects_invalid_key_ids(string value) => Assert.False(KeyId.TryParse(value, out _));

    [Theory]
    [InlineData("mxc://example.com/AbC_12-x", "example.com", "AbC_12-x")]
    [InlineData("mxc://[::1]:8448/media", "[::1]:8448", "media")]
    public void Parses_content_uris(string value, string server, string mediaId)
    {
        var uri = MxcUri.Parse(value);
        Assert.Equal(server, uri.Server.Value);
        Assert.Equal(mediaId, uri.MediaId);
    }

    [Theory]
    [InlineData("https://example.com/abc")]
    [InlineData("mxc://example.com")]
    [InlineData("mxc://example.com/")]
    [InlineData("mxc://example.com/a/b")]
    [InlineData("mxc://example.com/a.b")]
    [InlineData("mxc://bad server/abc")]
    [InlineData("mxc:///abc")]
    public void Rejects_invalid_content_uris(string value) => Assert.False(MxcUri.TryParse(value, out _));

    [Theory]
    [InlineData("ABCDEFGHIJ", true)]
    [InlineData("my device", true)]
    [InlineData("", false)]
    [InlineData("a\nb", false)]
    public void Device_ids_are_opaque_but_not_empty(string value, bool valid) =>
        Assert.Equal(valid, DeviceId.TryParse(value, out _));

    [Fact]
    public void New_device_ids_are_valid_and_distinct()
    {
        var a = DeviceId.New();
        Assert.True(DeviceId.TryParse(a.Value, out _));
        Assert.NotEqual(a, DeviceId.New());
    }

    [Theory]
    [InlineData("m1234.5", true)]
    [InlineData("", false)]
    [InlineData("a\u0001", false)]
    public void Transaction_ids_are_opaque_but_not_empty(string value, bool valid) =>
        Assert.Equal(valid, TransactionId.TryParse(value, out _));

    [Fact]
    public void Transaction_id_limit_is_255_bytes()
    {
        Assert.True(TransactionId.TryParse(new string('t', 255), out _));
        Assert.False(TransactionId.TryParse(new string('t', 256), out _));
    }
}
