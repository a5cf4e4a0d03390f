using Myelin.Server.Streams;

namespace Myelin.Server.Tests.Streams;

public class SyncTokenTests
{
    [Fact]
    public void Round_trips_through_its_wire_form()
    {
        var token = new SyncToken(10, 2, 3, 4, 5, 6, 7, 8);
        Assert.Equal("s10_2_3_4_5_6_7_8", token.ToString());
        Assert.True(SyncToken.TryParse(token.ToString(), out var parsed));
        Assert.Equal(token, parsed);
    }

    [Theory]
    [InlineData("s42", 42)]
    [InlineData("t42", 42)]
    [InlineData("s42_1", 42)]
    public void A_short_token_sets_the_leading_streams(string wire, long events)
    {
        Assert.True(SyncToken.TryParse(wire, out var token));
        Assert.Equal(events, token.Events);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("x1")]
    [InlineData("s")]
    [InlineData("s-1")]
    [InlineData("s1__2")]
    [InlineData("s1_2_3_4_5_6_7_8_9")]
    [InlineData("s99999999999999999999")]
    public void Rejects_tokens_it_did_not_issue(string? wire) => Assert.False(SyncToken.TryParse(wire, out _));

    [Fact]
    public void Behind_compares_every_stream()
    {
        var a = new SyncToken(5, 5, 5, 5, 5, 5, 5, 5);
        Assert.False(a.IsBehind(a));
        Assert.True(a.IsBehind(a with { Typing = 6 }));
        Assert.False((a with { Events = 9 }).IsBehind(a));
        Assert.Equal(new SyncToken(9, 5, 5, 5, 5, 5, 6, 5), (a with { Events = 9 }).Max(a with { Typing = 6 }));
    }
}
