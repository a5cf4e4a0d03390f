using Myelin.Protocol.Crypto;
using Myelin.Server.Configuration;
using Myelin.Server.ServerKeys;

namespace Myelin.Server.Tests.Federation;

public sealed class OldSigningKeysFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("myelin-oldkeys-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Lines_parse_and_format_round_trip()
    {
        using var key = SigningKey.Generate("abc_1");
        var old = new OldVerifyKey(key.KeyId, key.VerifyKey.PublicKeyBase64, 1532645052628);
        var parsed = OldSigningKeysFile.Parse("# comment\n\n" + OldSigningKeysFile.FormatLine(old), out string? error);
        Assert.Null(error);
        Assert.Equal([old], parsed);
    }

    [Theory]
    [InlineData("ed25519 abc")]
    [InlineData("curve25519 abc AAAA 1")]
    [InlineData("ed25519 a-b VGhpcyBzaG91bGQgYmUgYSByZWFsIGVkMjU1MTkgcGF5bG9hZA 1")]
    [InlineData("ed25519 abc notbase64! 1")]
    [InlineData("ed25519 abc AAAA 1")]
    public void Bad_lines_are_reported_with_their_number(string line)
    {
        Assert.Null(OldSigningKeysFile.Parse("\n" + line, out string? error));
        Assert.StartsWith("Line 2:", error);
    }

    [Fact]
    public void Bad_expiry_is_reported()
    {
        using var key = SigningKey.Generate("abc");
        Assert.Null(OldSigningKeysFile.Parse($"ed25519 abc {key.VerifyKey.PublicKeyBase64} soon", out string? error));
        Assert.Contains("expired_ts", error);
    }

    [Fact]
    public void A_missing_file_means_no_old_keys_and_a_malformed_one_is_a_config_error()
    {
        string path = Path.Combine(_directory, "signing.key");
        Assert.Empty(OldSigningKeysFile.Load(path));
        File.WriteAllText(OldSigningKeysFile.PathFor(path), "garbage\n");
        Assert.Throws<ConfigException>(() => OldSigningKeysFile.Load(path));
    }

    [Fact]
    public void Rotation_retires_the_current_key_and_writes_a_new_one()
    {
        string path = Path.Combine(_directory, "signing.key");
        ServerKeyFile.Create(path);
        using var before = ServerKeyFile.Load(path);

        var newKeyId = OldSigningKeysFile.Rotate(path, nowTs: 777);

        using var after = ServerKeyFile.Load(path);
        Assert.Equal(newKeyId, after.KeyId);
        Assert.NotEqual(before.VerifyKey.PublicKeyBase64, after.VerifyKey.PublicKeyBase64);
        Assert.Equal([new OldVerifyKey(before.KeyId, before.VerifyKey.PublicKeyBase64, 777)], OldSigningKeysFile.Load(path));
        Assert.False(File.Exists(path + ".new"));

        OldSigningKeysFile.Rotate(path, nowTs: 888);
        var old = OldSigningKeysFile.Load(path);
        Assert.Equal(2, old.Count);
        Assert.Equal(new OldVerifyKey(after.KeyId, after.VerifyKey.PublicKeyBase64, 888), old[1]);
    }
}
