using Myelin.Protocol.Identifiers;

namespace Myelin.Protocol.Tests.Identifiers;

public class UserIdTests
{
    [Theory]
    [InlineData("@alice:example.com", "alice", "example.com")]
    [InlineData("@a.b_c=d-e/f+g:example.com:8448", "a.b_c=d-e/f+g", "example.com:8448")]
    [InlineData("@bob:[::1]:8448", "bob", "[::1]:8448")]
    [InlineData("@user:1.2.3.4", "user", "1.2.3.4")]
    public void Parses_compliant_user_ids(string value, string localpart, string server)
    {
        var id = UserId.Parse(value);
        Assert.Equal(localpart, id.Localpart);
        Assert.Equal(server, id.Server.Value);
        Assert.True(id.IsCompliant);
        Assert.True(id.IsStrict);
    }

    // spec: "Historical User IDs" — any non-surrogate code points except ':' and NUL, including the empty string.
    [Theory]
    [InlineData("@Alice:example.com")]
    [InlineData("@alice!#*:example.com")]
    [InlineData("@:example.com")]
    [InlineData("@日本:example.com")]
    [InlineData("@tab\there:example.com")]
    public void Accepts_historical_user_ids_from_remote_servers(string value)
    {
        Assert.True(UserId.TryParse(value, out var id));
        Assert.False(id.IsStrict);
    }

    [Theory]
    [InlineData("@:example.com", false)]
    [InlineData("@日本:example.com", false)]
    [InlineData("@Alice:example.com", true)]
    public void Compliance_follows_the_U0021_to_U007E_rule(string value, bool compliant) =>
        Assert.Equal(compliant, UserId.Parse(value).IsCompliant);

    [Theory]
    [InlineData("")]
    [InlineData("alice:example.com")]
    [InlineData("@alice")]
    [InlineData("@alice:")]
    [InlineData("@alice:bad_server")]
    [InlineData("#alice:example.com")]
    [InlineData("@nul\0:example.com")]
    public void Rejects_invalid_user_ids(string value)
    {
        Assert.False(UserId.TryParse(value, out _));
        Assert.Throws<FormatException>(() => UserId.Parse(value));
    }

    [Fact]
    public void Rejects_lone_surrogates_in_the_localpart()
    {
        Assert.False(UserId.TryParse("@a" + '\ud800' + ":example.com", out _));
        Assert.False(UserId.TryParse("@a" + '\udc00' + "b:example.com", out _));
        Assert.True(UserId.TryParse("@a\ud83d\ude00:example.com", out _));
    }

    [Fact]
    public void Length_limit_is_255_bytes_including_sigil_and_domain()
    {
        string server = ":example.com";
        string atLimit = "@" + new string('a', 255 - 1 - server.Length) + server;
        Assert.Equal(255, atLimit.Length);
        Assert.True(UserId.TryParse(atLimit, out _));
        Assert.False(UserId.TryParse("@a" + atLimit[1..], out _));
        // Bytes, not characters: 'é' is two UTF-8 bytes.
        string multibyte = "@" + new string('é', 122) + server;
        Assert.True(multibyte.Length < 255);
        Assert.False(UserId.TryParse(multibyte, out _));
    }

    [Theory]
    [InlineData("alice", true)]
    [InlineData("a.b_c=d-e/f+g0", true)]
    [InlineData("Alice", false)]
    [InlineData("", false)]
    [InlineData("al ice", false)]
    [InlineData("al:ice", false)]
    [InlineData("日本", false)]
    public void Strict_grammar_for_new_users(string localpart, bool valid) =>
        Assert.Equal(valid, UserId.IsValidNewLocalpart(localpart));

    [Fact]
    public void Create_applies_the_strict_grammar()
    {
        var server = ServerName.Parse("example.com");
        Assert.Equal("@alice:example.com", UserId.Create("alice", server).Value);
        Assert.Throws<ArgumentException>(() => UserId.Create("Alice", server));
        Assert.Throws<ArgumentException>(() => UserId.Create(new string('a', 250), server));
    }
}
