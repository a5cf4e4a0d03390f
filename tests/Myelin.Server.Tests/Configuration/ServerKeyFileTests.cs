using Myelin.Protocol.Crypto;
using Myelin.Server.Configuration;

namespace Myelin.Server.Tests.Configuration;

public sealed class ServerKeyFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("myelin-key-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Created_key_file_has_synapse_format_and_owner_only_permissions()
    {
        string path = Path.Combine(_dir, "keys", "server.signing.key");

        using var key = ServerKeyFile.LoadOrCreate(path, out bool created);

        Assert.True(created);
        string text = File.ReadAllText(path);
        Assert.Matches(@"^ed25519 a_[A-Za-z0-9]{4} [A-Za-z0-9+/]{43}\n$", text);
        Assert.Equal($"ed25519:{text.Split(' ')[1]}", key.KeyId.ToString());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        using var again = ServerKeyFile.LoadOrCreate(path, out bool createdAgain);
        Assert.False(createdAgain);
        Assert.Equal(key.VerifyKey.PublicKeyBase64, again.VerifyKey.PublicKeyBase64);
        Assert.Equal(text, File.ReadAllText(path));
    }

    [Fact]
    public void Reads_a_synapse_key_file_with_the_rfc8032_test_seed()
    {
        // RFC 8032 section 7.1 test 1: seed 9d61b1...7f60 has public key d75a98...511a.
        string path = Path.Combine(_dir, "synapse.key");
        File.WriteAllText(path, "ed25519 a_abcd nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\n");

        using var key = ServerKeyFile.Load(path);

        Assert.Equal("ed25519:a_abcd", key.KeyId.ToString());
        Assert.Equal("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo", key.VerifyKey.PublicKeyBase64);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ed25519 a_abcd")]
    [InlineData("ed25519 a_abcd not*base64")]
    public void Malformed_key_files_are_a_config_error_naming_the_file(string text)
    {
        string path = Path.Combine(_dir, "bad.key");
        File.WriteAllText(path, text);

        var e = Assert.Throws<ConfigException>(() => ServerKeyFile.Load(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_never_overwrites_an_existing_key()
    {
        string path = Path.Combine(_dir, "k");
        ServerKeyFile.Create(path);
        string before = File.ReadAllText(path);

        Assert.Throws<IOException>(() => ServerKeyFile.Create(path));
        Assert.Equal(before, File.ReadAllText(path));
    }
}
