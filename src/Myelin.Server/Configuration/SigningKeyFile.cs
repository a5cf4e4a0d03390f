using System.Security.Cryptography;
using NSec.Cryptography;

namespace Myelin.Server.Configuration;

/// <summary>
/// The server's Ed25519 signing key in Synapse's key-file format: one line <c>ed25519 &lt;version&gt; &lt;seed&gt;</c>
/// with the 32-byte seed in unpadded standard base64. The key ID is <c>ed25519:&lt;version&gt;</c>.
/// spec: server-server "Publishing Keys"; appendices "Signing Keys".
/// </summary>
public sealed class SigningKeyFile
{
    public const string Algorithm = "ed25519";
    private const string VersionAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private readonly byte[] _seed;

    private SigningKeyFile(string version, byte[] seed)
    {
        Version = version;
        _seed = seed;
        using var key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        PublicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    /// <summary>The key version, e.g. <c>a_Xy3z</c>.</summary>
    public string Version { get; }

    /// <summary>The key ID used in signatures and <c>verify_keys</c>, e.g. <c>ed25519:a_Xy3z</c>.</summary>
    public string KeyId => $"{Algorithm}:{Version}";

    /// <summary>The 32-byte private seed.</summary>
    public ReadOnlySpan<byte> Seed => _seed;

    /// <summary>The 32-byte public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The public key in unpadded base64, as published in <c>/_matrix/key/v2/server</c>.</summary>
    public string PublicKeyBase64 => UnpaddedBase64(PublicKey);

    /// <summary>A new random key with a Synapse-style version <c>a_XXXX</c>.</summary>
    public static SigningKeyFile Generate()
    {
        var version = "a_" + RandomNumberGenerator.GetString(VersionAlphabet, 4);
        return new SigningKeyFile(version, RandomNumberGenerator.GetBytes(32));
    }

    /// <summary>Parses the file's text; the first non-empty line is the signing key.</summary>
    public static SigningKeyFile Parse(string text)
    {
        string? line = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
        string[] parts = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (parts.Length != 3)
        {
            throw new FormatException("Expected one line 'ed25519 <version> <base64 seed>'.");
        }
        if (parts[0] != Algorithm)
        {
            throw new FormatException($"Unsupported key algorithm '{parts[0]}'; only ed25519 is supported.");
        }
        if (!parts[1].All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new FormatException($"Invalid key version '{parts[1]}'.");
        }
        byte[] seed;
        try
        {
            seed = FromUnpaddedBase64(parts[2]);
        }
        catch (FormatException)
        {
            throw new FormatException("The key seed is not valid base64.");
        }
        if (seed.Length != 32)
        {
            throw new FormatException($"The key seed must be 32 bytes, found {seed.Length}.");
        }
        return new SigningKeyFile(parts[1], seed);
    }

    public static SigningKeyFile Load(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (FormatException e)
        {
            throw new ConfigException($"Signing key file {path} is invalid: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"Cannot read signing key file {path}: {e.Message}", e);
        }
    }

    /// <summary>Loads the key at <paramref name="path"/>, first generating and saving one if the file does not exist.</summary>
    public static SigningKeyFile LoadOrCreate(string path, out bool created)
    {
        created = !File.Exists(path);
        if (created)
        {
            Generate().Save(path);
        }
        return Load(path);
    }

    /// <summary>The file's text: <c>ed25519 &lt;version&gt; &lt;unpadded base64 seed&gt;</c> and a newline.</summary>
    public string Format() => $"{Algorithm} {Version} {UnpaddedBase64(_seed)}\n";

    /// <summary>Writes the key, readable only by its owner, refusing to overwrite an existing key.</summary>
    public void Save(string path)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var writer = new StreamWriter(path, options);
        writer.Write(Format());
    }

    private static string UnpaddedBase64(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static byte[] FromUnpaddedBase64(string text)
    {
        int padding = (4 - text.Length % 4) % 4;
        if (padding == 3)
        {
            throw new FormatException();
        }
        return Convert.FromBase64String(text + new string('=', padding));
    }
}
