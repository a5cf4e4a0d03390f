using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Storage;
using Myelin.Storage.Users;

namespace Myelin.Server.Tests.Hosting;

public sealed class MyelinHostTests
{
    [Fact]
    public async Task Start_binds_a_real_port_opens_sqlite_and_creates_the_signing_key()
    {
        await using var server = await TestServer.StartAsync();
        var config = server.Host.Config;

        Assert.Equal("127.0.0.1", server.Host.BaseAddress.Host);
        Assert.NotEqual(0, server.Host.BaseAddress.Port);
        Assert.True(File.Exists(config.Database.SqlitePath));
        Assert.True(File.Exists(config.SigningKeyPath));
        using (var fromFile = ServerKeyFile.Load(config.SigningKeyPath))
        {
            Assert.Equal(fromFile.KeyId, server.Host.SigningKey.KeyId);
            Assert.Equal(fromFile.VerifyKey.PublicKeyBase64, server.Host.SigningKey.VerifyKey.PublicKeyBase64);
        }

        var database = server.Host.Services.GetRequiredService<MyelinDatabase>();
        var alice = UserId.Parse("@alice:test.example");
        Assert.True(await database.Users.CreateAsync(new NewUser(alice, null, 1)));
        Assert.True(await database.Users.ExistsAsync(alice));
    }

    [Fact]
    public async Task Data_written_before_stop_is_there_after_a_restart()
    {
        string data = Directory.CreateTempSubdirectory("myelin-test-").FullName;
        var config = TestServer.DefaultConfig(data);
        var bob = UserId.Parse("@bob:test.example");
        Myelin.Protocol.Identifiers.KeyId keyId;
        await using (var first = await Server.Hosting.MyelinHost.StartAsync(config, new() { ConsoleLogging = false }))
        {
            Assert.True(await first.Database.Users.CreateAsync(new NewUser(bob, null, 1)));
            keyId = first.SigningKey.KeyId;
        }

        await using var second = await Server.Hosting.MyelinHost.StartAsync(config, new() { ConsoleLogging = false });

        Assert.True(await second.Database.Users.ExistsAsync(bob));
        Assert.Equal(keyId, second.SigningKey.KeyId);
        Directory.Delete(data, recursive: true);
    }
}
