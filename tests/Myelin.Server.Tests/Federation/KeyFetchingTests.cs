using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation;
using Myelin.Server.Federation.Client;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation;

/// <summary>
/// Fetching other servers' keys directly and through notaries, across real servers on loopback.
/// spec: server-server "Retrieving server keys".
/// </summary>
public abstract class KeyFetchingTests
{
    protected abstract TestEngine Engine { get; }

    private static TrustedKeyServer Trust(FederatedHomeserver notary, SigningKey? key = null) =>
        new(notary.ServerName.Value, new Dictionary<string, string> { [(key ?? notary.SigningKey).KeyId.Value] = (key ?? notary.SigningKey).VerifyKey.PublicKeyBase64 });

    [Fact]
    public async Task Keys_come_from_the_notary_when_the_server_itself_is_offline()
    {
        await using var notary = await FederatedHomeserver.StartAsync(Engine);
        await using var asker = await FederatedHomeserver.StartAsync(Engine, c => c with { TrustedKeyServers = [Trust(notary)] });
        var target = await FederatedHomeserver.StartAsync(Engine);
        ServerName targetName = target.ServerName;
        var targetKey = target.SigningKey.VerifyKey;
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        try
        {
            // The notary learns the target's keys while it is up.
            var answer = await MatrixAssert.OkAsync(await notary.Http.GetAsync($"/_matrix/key/v2/query/{targetName}"));
            using var document = JsonDocument.Parse(Assert.Single(answer["server_keys"]!.AsArray())!.ToJsonString());
            Assert.True(JsonSigning.Verify(document.RootElement, targetName.Value, [targetKey]).IsValid);
            Assert.True(JsonSigning.Verify(document.RootElement, notary.ServerName.Value, [notary.SigningKey.VerifyKey]).IsValid);
        }
        finally
        {
            await target.DisposeAsync();
        }

        // The target is gone: the asker's direct fetch fails and the notary's cached copy is used.
        var key = await asker.RemoteKeys.GetVerifyKeyAsync(targetName, targetKey.KeyId, now, acceptOld: false);
        Assert.NotNull(key);
        Assert.Equal(targetKey.PublicKeyBase64, key.PublicKeyBase64);
        var stored = await asker.Host.Database.ServerKeys.GetResponseAsync(targetName);
        Assert.Equal(notary.ServerName, stored!.FromServer);

        // The notary still answers a bulk query from its cache.
        var bulk = await MatrixAssert.OkAsync(await notary.Http.PostAsync("/_matrix/key/v2/query", new StringContent(
            $"{{\"server_keys\":{{\"{targetName}\":{{\"{targetKey.KeyId}\":{{\"minimum_valid_until_ts\":{now}}}}}}}}}",
            System.Text.Encoding.UTF8, "application/json")));
        Assert.Equal(targetName.Value, Assert.Single(bulk["server_keys"]!.AsArray())!["server_name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_notary_answer_without_a_valid_notary_signature_is_ignored()
    {
        await using var notary = await FederatedHomeserver.StartAsync(Engine);
        await using var target = await FederatedHomeserver.StartAsync(Engine);
        using var wrong = SigningKey.Generate(notary.SigningKey.KeyId.Version);
        await using var asker = await FederatedHomeserver.StartAsync(Engine, c => c with { TrustedKeyServers = [Trust(notary, wrong)] });

        Assert.False(await asker.RemoteKeys.FetchViaNotariesAsync(target.ServerName));
        Assert.Null(await asker.Host.Database.ServerKeys.GetKeyAsync(target.ServerName, target.SigningKey.KeyId));
    }

    [Fact]
    public async Task A_notary_without_configured_keys_is_checked_with_the_keys_it_publishes()
    {
        await using var notary = await FederatedHomeserver.StartAsync(Engine);
        await using var target = await FederatedHomeserver.StartAsync(Engine);
        await using var asker = await FederatedHomeserver.StartAsync(Engine, c => c with
        {
            TrustedKeyServers = [new TrustedKeyServer(notary.ServerName.Value, new Dictionary<string, string>())],
        });

        Assert.True(await asker.RemoteKeys.FetchViaNotariesAsync(target.ServerName));
        var stored = await asker.Host.Database.ServerKeys.GetKeyAsync(target.ServerName, target.SigningKey.KeyId);
        Assert.Equal(target.SigningKey.VerifyKey.PublicKeyBase64, stored!.VerifyKey);
        // The notary's own key was fetched from the notary to check its signature.
        Assert.NotNull(await asker.Host.Database.ServerKeys.GetKeyAsync(notary.ServerName, notary.SigningKey.KeyId));
    }

    [Fact]
    public async Task Cached_keys_are_valid_for_at_most_seven_days_then_refetched()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // The target claims ten days; the asker caps the key at seven.
        await using var target = await FederatedHomeserver.StartAsync(Engine,
            services: s => s.AddSingleton(new FederationOptions { KeyValidityPeriod = TimeSpan.FromDays(10), KeyFetchFailureBackoff = TimeSpan.Zero }));
        await using var asker = await FederatedHomeserver.StartAsync(Engine, services: s => s.AddSingleton<TimeProvider>(clock));
        long start = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var keyId = target.SigningKey.KeyId;

        Assert.NotNull(await asker.RemoteKeys.GetVerifyKeyAsync(target.ServerName, keyId, start, acceptOld: false));
        var first = await asker.Host.Database.ServerKeys.GetKeyAsync(target.ServerName, keyId);
        Assert.Equal(start + (long)TimeSpan.FromDays(7).TotalMilliseconds, first!.ValidUntilTs);
        Assert.Equal(start, first.FetchedTs);

        // Eight days later the cached key has expired: it is fetched again (and is valid again).
        clock.Advance(TimeSpan.FromDays(8));
        long later = clock.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.NotNull(await asker.RemoteKeys.GetVerifyKeyAsync(target.ServerName, keyId, later, acceptOld: false));
        var second = await asker.Host.Database.ServerKeys.GetKeyAsync(target.ServerName, keyId);
        Assert.Equal(later, second!.FetchedTs);
    }

    [Fact]
    public async Task Old_keys_verify_events_until_they_expired_but_never_requests()
    {
        using var retired = SigningKey.Generate("retired");
        long expired = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1000;
        await using var target = await FederatedHomeserver.StartAsync(Engine, c =>
        {
            File.WriteAllText(Server.ServerKeys.OldSigningKeysFile.PathFor(c.SigningKeyPath),
                Server.ServerKeys.OldSigningKeysFile.FormatLine(new(retired.KeyId, retired.VerifyKey.PublicKeyBase64, expired)));
            return c;
        });
        await using var asker = await FederatedHomeserver.StartAsync(Engine);

        Assert.NotNull(await asker.RemoteKeys.GetVerifyKeyAsync(target.ServerName, retired.KeyId, expired - 5000, acceptOld: true));
        Assert.Null(await asker.RemoteKeys.GetVerifyKeyAsync(target.ServerName, retired.KeyId, expired + 5000, acceptOld: true));
        Assert.Null(await asker.RemoteKeys.GetVerifyKeyAsync(target.ServerName, retired.KeyId, expired - 5000, acceptOld: false));
        var stored = await asker.Host.Database.ServerKeys.GetKeyAsync(target.ServerName, retired.KeyId);
        Assert.Equal(expired, stored!.ExpiredTs);

        // A request signed with the retired key is refused.
        await MatrixAssert.ErrorAsync(await asker.SendSignedAsync(HttpMethod.Get, "/_matrix/federation/v1/query/directory?room_alias=%23a%3Ab",
            target.ServerName, retired), 401, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task Outbound_requests_respect_the_ip_blacklist_and_the_trusted_certificate_authorities()
    {
        await using var target = await FederatedHomeserver.StartAsync(Engine);
        // Default ip_range_blacklist: loopback is blocked.
        await using var blocked = await FederatedHomeserver.StartAsync(Engine, c => c with { IpRangeWhitelist = [] });
        var error = await Assert.ThrowsAsync<FederationRequestException>(() => blocked.Client.GetServerKeysAsync(target.ServerName));
        Assert.Contains("ip_range_blacklist", error.Message, StringComparison.Ordinal);

        // Without the test CA the target's certificate is not trusted.
        await using var untrusting = await FederatedHomeserver.StartAsync(Engine, c => c with { FederationCustomCaList = [] });
        await Assert.ThrowsAsync<FederationRequestException>(() => untrusting.Client.GetServerKeysAsync(target.ServerName));

        // A whitelisted, trusting server gets through.
        await using var allowed = await FederatedHomeserver.StartAsync(Engine);
        var keys = await allowed.Client.GetServerKeysAsync(target.ServerName);
        Assert.Equal(target.ServerName.Value, keys.GetProperty("server_name").GetString());
    }
}

public sealed class KeyFetchingTests_Sqlite : KeyFetchingTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class KeyFetchingTests_Postgres : KeyFetchingTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
