using System.Text.Json;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Identifiers;

namespace Myelin.Protocol.Tests.Authorization;

/// <summary>
/// The ordered rules of <c>m.room.server_acl</c> (rule 1, "no ACL event", is the caller's). spec: event-schemas
/// m.room.server_acl: 2. an IP literal when <c>allow_ip_literals</c> is false is denied; 3. a server matching a
/// <c>deny</c> entry is denied; 4. one matching an <c>allow</c> entry is allowed; 5. anything else is denied.
/// Ports are never considered; <c>*</c> and <c>?</c> are globs.
/// </summary>
public sealed class ServerAclTests
{
    private const string Standard = """{"allow":["*"],"deny":["evil.com","*.evil.com","bad?.org"],"allow_ip_literals":false}""";

    [Theory]
    // Rule 4 via "*".
    [InlineData(Standard, "good.example", true)]
    [InlineData(Standard, "good.example:8448", true)]
    // Rule 3: exact, wildcard subdomain, single-character glob; ports ignored.
    [InlineData(Standard, "evil.com", false)]
    [InlineData(Standard, "evil.com:1234", false)]
    [InlineData(Standard, "sub.evil.com", false)]
    [InlineData(Standard, "deep.sub.evil.com:80", false)]
    [InlineData(Standard, "notevil.com", true)]
    [InlineData(Standard, "bad1.org", false)]
    [InlineData(Standard, "bad12.org", true)]
    // Rule 2: IP literals (v4, v6, with or without port) when allow_ip_literals is false.
    [InlineData(Standard, "1.2.3.4", false)]
    [InlineData(Standard, "1.2.3.4:8448", false)]
    [InlineData(Standard, "[1234:5678::abcd]", false)]
    [InlineData(Standard, "[1234:5678::abcd]:8448", false)]
    // allow_ip_literals defaults to true; then IP literals go through deny/allow like names.
    [InlineData("""{"allow":["*"]}""", "1.2.3.4", true)]
    [InlineData("""{"allow":["*"],"deny":["1.2.3.*"]}""", "1.2.3.4:99", false)]
    // Rule 5: an empty or missing allow list denies everyone.
    [InlineData("""{"deny":[]}""", "good.example", false)]
    [InlineData("""{}""", "good.example", false)]
    // Deny wins over allow (rule 3 before 4).
    [InlineData("""{"allow":["evil.com"],"deny":["evil.com"]}""", "evil.com", false)]
    // Only listed names: allow without wildcards.
    [InlineData("""{"allow":["a.example","*.b.example"]}""", "a.example", true)]
    [InlineData("""{"allow":["a.example","*.b.example"]}""", "x.b.example", true)]
    [InlineData("""{"allow":["a.example","*.b.example"]}""", "b.example", false)]
    [InlineData("""{"allow":["a.example","*.b.example"]}""", "c.example", false)]
    // Matching is case-insensitive, as DNS names are.
    [InlineData("""{"allow":["*"],"deny":["EVIL.com"]}""", "evil.COM", false)]
    // Non-string entries are ignored; a non-boolean allow_ip_literals is the default (true).
    [InlineData("""{"allow":[1,null,"*"],"deny":[{"x":1}],"allow_ip_literals":"no"}""", "1.2.3.4", true)]
    public void Rules(string content, string server, bool allowed)
    {
        var acl = ServerAcl.FromContent(JsonDocument.Parse(content).RootElement);
        Assert.Equal(allowed, acl.IsAllowed(ServerName.Parse(server)));
    }
}
