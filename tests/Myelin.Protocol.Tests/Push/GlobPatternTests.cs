using Myelin.Protocol.Push;

namespace Myelin.Protocol.Tests.Push;

public class GlobPatternTests
{
    [Theory]
    // spec: push "Conditions" event_match example, key content.topic, pattern lunc?*
    [InlineData("lunc?*", "Lunch plans", true)]
    [InlineData("lunc?*", "LUNCH", true)]
    [InlineData("lunc?*", " lunch", false)]
    [InlineData("lunc?*", "lunc", false)]
    [InlineData("m.notice", "m.notice", true)]
    [InlineData("m.notice", "M.NOTICE", true)]
    [InlineData("m.notice", "m.notices", false)]
    [InlineData("m.notice", "xm.notice", false)]
    [InlineData("*", "", true)]
    [InlineData("*", "anything at all", true)]
    [InlineData("", "", true)]
    [InlineData("", "x", false)]
    [InlineData("?", "", false)]
    [InlineData("?", "a", true)]
    [InlineData("?", "ab", false)]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("a*b*c", "abc", true)]
    [InlineData("a*b*c", "acb", false)]
    [InlineData("*.example.org", "matrix.EXAMPLE.org", true)]
    [InlineData("@*:example.org", "@alice:example.org", true)]
    [InlineData("@*:example.org", "@alice:example.org.evil", false)]
    // '?' is one character, even outside the BMP (a surrogate pair in UTF-16).
    [InlineData("a?b", "a\U0001F600b", true)]
    [InlineData("a??b", "a\U0001F600b", false)]
    [InlineData("ÉCOLE", "école", true)]
    public void Whole_value_match(string pattern, string value, bool expected)
    {
        Assert.Equal(expected, new GlobPattern(pattern).IsMatch(value));
    }

    [Theory]
    // spec: push "Conditions" event_match on content.body example, pattern ex*ple
    [InlineData("ex*ple", "An example event.", true)]
    [InlineData("ex*ple", "exple", true)]
    [InlineData("ex*ple", "An exciting triple-whammy", true)]
    [InlineData("ex*ple", "examples", false)]
    [InlineData("cake", "I like cake.", true)]
    [InlineData("cake", "CAKE!", true)]
    [InlineData("cake", "cupcake", false)]
    [InlineData("cake", "cakes", false)]
    [InlineData("cake", "cake_shop", false)]
    [InlineData("cake", "(cake)", true)]
    [InlineData("cake*lie", "the cake is a lie", true)]
    [InlineData("cake*lie", "the cake is a lier", false)]
    [InlineData("alice", "hey alice: look", true)]
    [InlineData("alice", "malice", false)]
    [InlineData("alice", "alice2", false)]
    [InlineData("alice", "2alice", false)]
    // Non-ASCII letters are word boundaries (spec: only [A-Za-z0-9_] are word characters).
    [InlineData("alice", "éaliceé", true)]
    [InlineData("@room", "hello @room", true)]
    [InlineData("@room", "hello@room", true)]
    [InlineData("@room", "@roomy", false)]
    [InlineData("b?b", "a bob c", true)]
    [InlineData("*", "", true)]
    public void Word_boundary_match(string pattern, string body, bool expected)
    {
        Assert.Equal(expected, new GlobPattern(pattern).IsWordMatch(body));
    }

    [Fact]
    public void Many_wildcards_against_a_long_body_stay_linear()
    {
        // A backtracking matcher would take exponential time here.
        var glob = new GlobPattern("*a*a*a*a*a*a*a*a*a*a*b");
        string body = new('a', 20_000);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(glob.IsMatch(body));
        Assert.False(glob.IsWordMatch(body));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Long_pattern_uses_heap_buffers_and_still_matches()
    {
        string pattern = new string('?', 300) + "*";
        Assert.True(new GlobPattern(pattern).IsMatch(new string('x', 400)));
        Assert.False(new GlobPattern(pattern).IsMatch(new string('x', 299)));
    }
}
