using System.Text.Json;
using Myelin.Protocol.Push;

namespace Myelin.Protocol.Tests.Push;

public class PropertyPathTests
{
    [Theory]
    // spec: appendices "Dot-separated property paths"
    [InlineData("content.body", new[] { "content", "body" })]
    [InlineData(@"content.m\.relates_to", new[] { "content", "m.relates_to" })]
    [InlineData(@"content.m\.relates_to.rel_type", new[] { "content", "m.relates_to", "rel_type" })]
    [InlineData(@"content.m\\foo", new[] { "content", @"m\foo" })]
    [InlineData(@"content.m\x", new[] { "content", @"m\x" })]
    [InlineData(@"a\\.b", new[] { @"a\", "b" })]
    [InlineData(@"a\\\.b", new[] { @"a\.b" })]
    [InlineData("type", new[] { "type" })]
    [InlineData("a..b", new[] { "a", "", "b" })]
    [InlineData(@"trailing\", new[] { @"trailing\" })]
    public void Splits_on_unescaped_dots(string path, string[] expected)
    {
        Assert.Equal(expected, PropertyPath.Parse(path).Segments);
    }

    [Fact]
    public void Resolves_escaped_names_in_an_event()
    {
        JsonElement ev = JsonElement.Parse("""
            {"content": {"m.relates_to": {"rel_type": "m.replace"}, "m": {"relates_to": {"rel_type": "decoy"}}, "m\\foo": 1}}
            """);
        Assert.True(PropertyPath.Parse(@"content.m\.relates_to.rel_type").TryResolve(ev, out JsonElement value));
        Assert.Equal("m.replace", value.GetString());
        Assert.True(PropertyPath.Parse("content.m.relates_to.rel_type").TryResolve(ev, out value));
        Assert.Equal("decoy", value.GetString());
        Assert.True(PropertyPath.Parse(@"content.m\\foo").TryResolve(ev, out value));
        Assert.Equal(1, value.GetInt32());
        Assert.False(PropertyPath.Parse("content.missing.deeper").TryResolve(ev, out _));
        Assert.False(PropertyPath.Parse(@"content.m\\foo.deeper").TryResolve(ev, out _));
    }
}
