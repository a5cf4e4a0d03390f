using Myelin.Server.Accounts;

namespace Myelin.Server.Tests.Accounts;

public class PasswordHasherTests
{
    private readonly PasswordHasher _hasher = new(memoryKiB: 1024, passes: 1);

    [Fact]
    public void Verifies_the_right_password_and_rejects_others()
    {
        string hash = _hasher.Hash("correct horse");
        Assert.StartsWith("$argon2id$m=1024,t=1$", hash, StringComparison.Ordinal);
        Assert.True(_hasher.Verify("correct horse", hash));
        Assert.False(_hasher.Verify("correct horsE", hash));
        Assert.False(_hasher.Verify("", hash));
    }

    [Fact]
    public void Salts_every_hash() => Assert.NotEqual(_hasher.Hash("pw"), _hasher.Hash("pw"));

    [Fact]
    public void Hashes_made_with_other_parameters_still_verify()
    {
        string old = new PasswordHasher(memoryKiB: 2048, passes: 2).Hash("pw");
        Assert.True(_hasher.Verify("pw", old));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("$argon2id$m=1024,t=1$@@$@@")]
    [InlineData("$argon2id$m=99999999999,t=1$AAAA$AAAA")]
    [InlineData("$bcrypt$m=1024,t=1$AAAA$AAAA")]
    public void Malformed_hashes_never_verify(string? stored) => Assert.False(_hasher.Verify("pw", stored));
}
