using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Tests.Identifiers;

public class RoomAndEventIdTests
{
    [Theory]
    [InlineData("!abc:example.com", "example.com")]
    [InlineData("!opaque with spaces:example.com:8448", "example.com:8448")]
    [InlineData("!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ", null)]
    public void Parses_room_ids_with_and_without_domain(string value, string? server)
    {
        var id = RoomId.Parse(value);
        Assert.Equal(server, id.Server?.Value);
        Assert.Equal(server is null, id.IsDomainless);
    }

    [Theory]
    [InlineData("")]
    [InlineData("!")]
    [InlineData("abc:example.com")]
    [InlineData("!:example.com")]
    [InlineData("!abc:")]
    [InlineData("!abc:bad server")]
    [InlineData("!has/slash")]
    [InlineData("!has+plus")]
    [InlineData("$abc:example.com")]
    public void Rejects_invalid_room_ids(string value) => Assert.False(RoomId.TryParse(value, out _));

    [Fact]
    public void Room_id_limit_is_255_bytes()
    {
        string ok = "!" + new string('a', 254 - ":x.org".Length) + ":x.org";
        Assert.Equal(255, ok.Length);
        Assert.True(RoomId.TryParse(ok, out _));
        Assert.False(RoomId.TryParse("!a" + ok[1..], out _));
    }

    [Fact]
    public void V12_room_id_is_the_create_event_id_with_bang_sigil()
    {
        var eventId = EventId.Parse("$Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ");
        Assert.Equal("!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ", RoomId.FromCreateEventId(eventId).Value);
    }

    [Theory]
    [InlineData("$a4ecee13e2accdadf56c1025:example.com", "example.com")]
    [InlineData("$acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk", null)]
    [InlineData("$def/456+oldevent", null)]
    [InlineData("$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg", null)]
    public void Parses_event_ids_of_every_format(string value, string? server) =>
        Assert.Equal(server, EventId.Parse(value).Server?.Value);

    [Theory]
    [InlineData("")]
    [InlineData("$")]
    [InlineData("abc")]
    [InlineData("$:example.com")]
    [InlineData("$abc:bad server")]
    [InlineData("$has space")]
    [InlineData("$has=padding")]
    public void Rejects_invalid_event_ids(string value) => Assert.False(EventId.TryParse(value, out _));

    [Fact]
    public void Event_id_limit_is_255_bytes()
    {
        Assert.True(EventId.TryParse("$" + new string('a', 254), out _));
        Assert.False(EventId.TryParse("$" + new string('a', 255), out _));
    }

    [Fact]
    public void Event_id_from_reference_hash_follows_the_room_version_alphabet()
    {
        byte[] hash = Enumerable.Repeat((byte)0xfb, 32).ToArray();
        Assert.Equal("$+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/s",
            EventId.FromReferenceHash(hash, EventIdFormat.ReferenceHashBase64).Value);
        Assert.Equal("$-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s",
            EventId.FromReferenceHash(hash, EventIdFormat.ReferenceHashUrlSafeBase64).Value);
        Assert.Throws<ArgumentException>(() => EventId.FromReferenceHash(hash, EventIdFormat.ServerScoped));
    }

    [Fact]
    public void New_server_scoped_event_ids_carry_the_server()
    {
        var id = EventId.NewServerScoped(ServerName.Parse("example.com"));
        Assert.Equal("example.com", id.Server?.Value);
        Assert.NotEqual(id, EventId.NewServerScoped(ServerName.Parse("example.com")));
    }
}
