using Myelin.Protocol.Identifiers;

namespace Myelin.Protocol.Tests.Identifiers;

public class ServerNameTests
{
    // spec: appendices "Server Name" — the listed valid examples.
    [Theory]
    [InlineData("matrix.org", "matrix.org", null)]
    [InlineData("matrix.org:8888", "matrix.org", 8888)]
    [InlineData("1.2.3.4", "1.2.3.4", null)]
    [InlineData("1.2.3.4:1234", "1.2.3.4", 1234)]
    [InlineData("[1234:5678::abcd]", "[1234:5678::abcd]", null)]
    [InlineData("[1234:5678::abcd]:5678", "[1234:5678::abcd]", 5678)]
    [InlineData("localhost", "localhost", null)]
    [InlineData("MATRIX.ORG", "MATRIX.ORG", null)]
    [InlineData("[::1]:8448", "[::1]", 8448)]
    [InlineData("[::ffff:1.2.3.4]", "[::ffff:1.2.3.4]", null)]
    [InlineData("my-server.example.com:65535", "my-server.example.com", 65535)]
    public void Accepts_valid_server_names(string value, string host, int? port)
    {
        Assert.True(ServerName.TryParse(value, out var name));
        Assert.Equal(value, name.Value);
        Assert.Equal(host, name.Host);
        Assert.Equal(port, name.Port);
    }

    [Theory]
    [InlineData("")]
    [InlineData(":8448")]
    [InlineData("matrix.org:")]
    [InlineData("matrix.org:123456")]
    [InlineData("matrix.org:65536")]
    [InlineData("matrix.org:80a")]
    [InlineData("matrix_org")]
    [InlineData("matrix.org/path")]
    [InlineData("mätrix.org")]
    [InlineData("1.2.3.256")]
    [InlineData("[1234:5678::abcd")]
    [InlineData("[1234:5678::abcd]x")]
    [InlineData("[1234:5678::abcg]")]
    [InlineData("[1.2.3.4]")]
    [InlineData("[fe80::1%eth0]")]
    [InlineData("1234:5678::abcd")]
    [InlineData("a b")]
    public void Rejects_invalid_server_names(string value)
    {
        Assert.False(ServerName.TryParse(value, out _));
        Assert.Throws<FormatException>(() => ServerName.Parse(value));
    }

    [Fact]
    public void Dns_name_is_limited_to_255_characters()
    {
        Assert.True(ServerName.TryParse(new string('a', 255), out _));
        Assert.True(ServerName.TryParse(new string('a', 255) + ":8448", out _));
        Assert.False(ServerName.TryParse(new string('a', 256), out _));
    }

    [Fact]
    public void Server_names_are_case_sensitive()
    {
        Assert.NotEqual(ServerName.Parse("matrix.org"), ServerName.Parse("MATRIX.org"));
    }

    [Theory]
    [InlineData("1.2.3.4:8448", true)]
    [InlineData("[::1]", true)]
    [InlineData("example.com", false)]
    public void Knows_ip_literals(string value, bool isIp) => Assert.Equal(isIp, ServerName.Parse(value).IsIpLiteral);
}
