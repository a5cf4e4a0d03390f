using Myelin.Load.Client;

namespace Myelin.Load.Tests;

public class SharedSecretMacTests
{
    // Expected values computed independently with Python's hmac module (HMAC-SHA1 over nonce\0user\0password\0admin|notadmin).
    [Fact]
    public void Mac_matches_an_independent_hmac_sha1_for_a_regular_user() =>
        Assert.Equal("9308c5b5ea10d74a5e4292c0b72475ff7c088fe7", SharedSecretMac.Compute("s3cret", "abcnonce", "alice", "pa$$word", admin: false));

    [Fact]
    public void Mac_differs_for_an_admin() =>
        Assert.Equal("ac83db27d8c6a2730a0934c5a34965dea1a09506", SharedSecretMac.Compute("s3cret", "abcnonce", "alice", "pa$$word", admin: true));
}
