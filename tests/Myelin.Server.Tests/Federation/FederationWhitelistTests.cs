using Myelin.Server.Federation.Client;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation;

/// <summary><c>federation_domain_whitelist</c>: only the listed servers are talked to, in both directions.</summary>
public sealed class FederationWhitelistTests
{
    [Fact]
    public async Task Servers_outside_the_whitelist_are_refused_inbound_and_never_contacted()
    {
        await using var outsider = await FederatedHomeserver.StartAsync();
        await using var friend = await FederatedHomeserver.StartAsync();
        await using var closed = await FederatedHomeserver.StartAsync(configure: c => c with { FederationDomainWhitelist = [friend.ServerName.Value] });
        const string path = "/_matrix/federation/v1/query/profile?user_id=%40x%3Ay";

        await MatrixAssert.ErrorAsync(await closed.SendSignedAsync(HttpMethod.Get, path, outsider.ServerName, outsider.SigningKey), 403, "M_FORBIDDEN");
        var error = await Assert.ThrowsAsync<FederationRequestException>(() => closed.Client.GetVersionAsync(outsider.ServerName));
        Assert.Contains("federation_domain_whitelist", error.Message, StringComparison.Ordinal);

        // The listed server gets through (the user is not local, hence 400, after authentication).
        await MatrixAssert.ErrorAsync(await closed.SendSignedAsync(HttpMethod.Get, path, friend.ServerName, friend.SigningKey), 400, "M_INVALID_PARAM");
        var version = await closed.Client.GetVersionAsync(friend.ServerName);
        Assert.Equal("Myelin", version.GetProperty("server").GetProperty("name").GetString());
    }
}
