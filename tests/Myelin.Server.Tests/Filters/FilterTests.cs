using System.Text.Json;
using Myelin.Server.Filters;

namespace Myelin.Server.Tests.Filters;

public class FilterTests
{
    private static SyncFilter Parse(string json)
    {
        Assert.True(FilterParser.TryParse(JsonDocument.Parse(json).RootElement, out var filter, out var error), error?.Message);
        return filter;
    }

    private static FilterError Refuse(string json)
    {
        Assert.False(FilterParser.TryParse(JsonDocument.Parse(json).RootElement, out _, out var error));
        return error;
    }

    [Fact]
    public void Parses_the_spec_example()
    {
        var filter = Parse("""
            {"room":{"state":{"types":["m.room.*"],"not_rooms":["!726s6s6q:example.com"]},
             "timeline":{"limit":10,"types":["m.room.message"],"not_rooms":["!726s6s6q:example.com"],"not_senders":["@spam:example.com"]},
             "ephemeral":{"types":["m.receipt","m.typing"],"not_rooms":["!726s6s6q:example.com"],"not_senders":["@spam:example.com"]}},
             "presence":{"types":["m.presence"],"not_senders":["@alice:example.com"]},
             "event_format":"client","event_fields":["type","content","sender"]}
            """);
        Assert.Equal(10, filter.Room.Timeline.Limit);
        Assert.True(filter.Room.State.Matches("m.room.name", "@a:hs"));
        Assert.False(filter.Room.State.Matches("m.call.invite", "@a:hs"));
        Assert.False(filter.Room.Timeline.Matches("m.room.message", "@spam:example.com"));
        Assert.False(filter.Room.Timeline.Matches("m.room.message", "@a:hs", "!726s6s6q:example.com"));
        Assert.True(filter.Room.Timeline.Matches("m.room.message", "@a:hs", "!other:example.com"));
        Assert.Equal(["type", "content", "sender"], filter.EventFields);
    }

    [Theory]
    [InlineData("m.room.*", "m.room.message", true)]
    [InlineData("m.room.*", "m.roomx", false)]
    [InlineData("*", "anything", true)]
    [InlineData("m.*.member", "m.room.member", true)]
    [InlineData("m.*.member", "m.room.members", false)]
    [InlineData("m.room.message", "m.room.message", true)]
    [InlineData("m.room.message", "m.room.messag", false)]
    [InlineData("**a", "bba", true)]
    public void Type_wildcards(string pattern, string type, bool expected) =>
        Assert.Equal(expected, EventFilter.TypeMatches(pattern, type));

    [Fact]
    public void Not_lists_win_over_include_lists()
    {
        var f = Parse("""{"room":{"timeline":{"types":["m.*"],"not_types":["m.room.member"],"senders":["@a:hs"],"not_senders":["@a:hs"]}}}""").Room.Timeline;
        Assert.False(f.Matches("m.room.message", "@a:hs"));
        var g = Parse("""{"room":{"timeline":{"types":["m.*"],"not_types":["m.room.member"]}}}""").Room.Timeline;
        Assert.False(g.Matches("m.room.member", "@b:hs"));
        Assert.True(g.Matches("m.room.message", "@b:hs"));
        Assert.False(g.Matches("org.custom", "@b:hs"));
    }

    [Fact]
    public void Contains_url_and_lazy_loading()
    {
        var f = Parse("""{"room":{"timeline":{"contains_url":true,"lazy_load_members":true,"include_redundant_members":true}}}""").Room.Timeline;
        Assert.True(f.LazyLoadMembers);
        Assert.True(f.IncludeRedundantMembers);
        Assert.True(f.Matches("m.room.message", "@a:hs", null, JsonDocument.Parse("""{"url":"mxc://hs/x"}""").RootElement));
        Assert.False(f.Matches("m.room.message", "@a:hs", null, JsonDocument.Parse("""{"body":"x"}""").RootElement));
    }

    [Fact]
    public void Large_limits_are_clamped() =>
        Assert.Equal(FilterParser.MaxLimit, Parse("""{"room":{"timeline":{"limit":1000000}}}""").Room.Timeline.Limit);

    [Theory]
    [InlineData("[]", "M_BAD_JSON")]
    [InlineData("""{"room":[]}""", "M_BAD_JSON")]
    [InlineData("""{"room":{"timeline":{"limit":"10"}}}""", "M_BAD_JSON")]
    [InlineData("""{"room":{"timeline":{"limit":0}}}""", "M_INVALID_PARAM")]
    [InlineData("""{"room":{"timeline":{"limit":1.5}}}""", "M_BAD_JSON")]
    [InlineData("""{"room":{"timeline":{"types":"m.room.message"}}}""", "M_BAD_JSON")]
    [InlineData("""{"room":{"timeline":{"types":[1]}}}""", "M_BAD_JSON")]
    [InlineData("""{"room":{"rooms":["not-a-room"]}}""", "M_INVALID_PARAM")]
    [InlineData("""{"presence":{"senders":["alice"]}}""", "M_INVALID_PARAM")]
    [InlineData("""{"event_format":"xml"}""", "M_INVALID_PARAM")]
    [InlineData("""{"room":{"include_leave":"yes"}}""", "M_BAD_JSON")]
    public void Refuses_malformed_filters_with_the_spec_errcode(string json, string errcode) =>
        Assert.Equal(errcode, Refuse(json).Errcode);

    [Fact]
    public void Unknown_fields_are_ignored() => Parse("""{"org.example.future":{"x":1},"room":{"timeline":{"org.example":true}}}""");
}
