using Myelin.Server.Configuration;
using NSec.Cryptography;

namespace Myelin.Server.Tests.Configuration;

public sealed class SigningKeyFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("myelin-key-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Generated_key_file_has_synapse_format_and_owner_only_permissions()
    {
        string path = Path.Combine(_dir, "server.signing.key");

        var key = SigningKeyFile.LoadOrCreate(path, out bool created);

        Assert.True(created);
        string text = File.ReadAllText(path);
        Assert.Matches(@"^ed25519 a_[A-Za-z0-9]{4} [A-Za-z0-9+/]{43}\n$", text);
        Assert.Equal($"ed25519:{key.Version}", key.KeyId);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        var again = SigningKeyFile.LoadOrCreate(path, out bool createdAgain);
        Assert.False(createdAgain);
        Assert.Equal(key.PublicKeyBase64, again.PublicKeyBase64);
    }

    [Fact]
    public void Key_signs_verifiably_with_the_published_public_key()
    {
        var key = SigningKeyFile.Generate();
        using var nsecKey = Key.Import(SignatureAlgorithm.Ed25519, key.Seed, KeyBlobFormat.RawPrivateKey);
        byte[] message = "{\"a\":1}"u8.ToArray();

        byte[] signature = SignatureAlgorithm.Ed25519.Sign(nsecKey, message);
        var publicKey = PublicKey.Import(SignatureAlgorithm.Ed25519,
            Convert.FromBase64String(key.PublicKeyBase64 + "="), KeyBlobFormat.RawPublicKey);

        Assert.True(SignatureAlgorithm.Ed25519.Verify(publicKey, message, signature));
    }

    [Fact]
    public void Parses_a_synapse_key_file_with_the_rfc8032_test_seed()
    {
        // RFC 8032 section 7.1 test 1: seed 9d61b1...7f60 has public key d75a98...511a.
        var key = SigningKeyFile.Parse("ed25519 a_abcd nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\n");

        Assert.Equal("ed25519:a_abcd", key.KeyId);
        Assert.Equal("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo", key.PublicKeyBase64);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ed25519 a_abcd")]
    [InlineData("rsa a_abcd nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")]
    [InlineData("ed25519 a_abcd not*base64")]
    [InlineData("ed25519 a_abcd AAAA")]
    public void Malformed_key_files_are_rejected(string text)
    {
        Assert.Throws<FormatException>(() => SigningKeyFile.Parse(text));
    }

    [Fact]
    public void Save_never_overwrites_an_existing_key()
    {
        string path = Path.Combine(_dir, "k");
        SigningKeyFile.Generate().Save(path);

        Assert.Throws<IOException>(() => SigningKeyFile.Generate().Save(path));
    }
}
