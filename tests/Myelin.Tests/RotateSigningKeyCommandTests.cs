using Myelin.Cli;
using Myelin.Server.Configuration;
using Myelin.Server.ServerKeys;

namespace Myelin.Tests;

public sealed class RotateSigningKeyCommandTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("myelin-rotate-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task Rotation_keeps_the_old_key_as_an_old_verify_key_and_writes_a_new_one()
    {
        Assert.Equal(0, await MyelinCli.InvokeAsync(["generate-config", "-d", _data], TextWriter.Null, TextWriter.Null));
        var config = ConfigLoader.Load(Path.Combine(_data, "homeserver.yaml")).Config;
        using var before = ServerKeyFile.Load(config.SigningKeyPath);

        using var output = new StringWriter();
        Assert.Equal(0, await MyelinCli.InvokeAsync(["rotate-signing-key", "-d", _data], output, TextWriter.Null));

        using var after = ServerKeyFile.Load(config.SigningKeyPath);
        Assert.NotEqual(before.KeyId, after.KeyId);
        Assert.Contains(after.KeyId.Value, output.ToString(), StringComparison.Ordinal);
        var old = Assert.Single(OldSigningKeysFile.Load(config.SigningKeyPath));
        Assert.Equal((before.KeyId, before.VerifyKey.PublicKeyBase64), (old.KeyId, old.PublicKeyBase64));
    }

    [Fact]
    public async Task Rotation_without_a_config_fails_with_an_error()
    {
        using var error = new StringWriter();
        Assert.Equal(1, await MyelinCli.InvokeAsync(["rotate-signing-key", "-d", Path.Combine(_data, "missing")], TextWriter.Null, error));
        Assert.StartsWith("error:", error.ToString(), StringComparison.Ordinal);
    }
}
