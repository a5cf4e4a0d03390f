using System.Security.Cryptography;
using Myelin.Protocol.Crypto;

namespace Myelin.Server.Configuration;

/// <summary>
/// The file at <c>signing_key_path</c>: the server's Ed25519 signing key in Synapse's key-file format
/// (parsed and written by <see cref="SigningKeyFile"/>). The first key in the file is the one the server signs with.
/// </summary>
public static class ServerKeyFile
{
    private const string VersionAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// <summary>Loads the signing key at <paramref name="path"/>, first creating the file if it does not exist.</summary>
    public static SigningKey LoadOrCreate(string path, out bool created)
    {
        created = !File.Exists(path);
        if (created)
        {
            Create(path);
        }
        return Load(path);
    }

    /// <summary>The first key in the file; <see cref="ConfigException"/> if it is unreadable or malformed.</summary>
    public static SigningKey Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"Cannot read signing key file {path}: {e.Message}", e);
        }
        if (!SigningKeyFile.TryParse(text, out var keys, out string? error))
        {
            throw new ConfigException($"Signing key file {path} is invalid: {error}");
        }
        if (keys.Count == 0)
        {
            throw new ConfigException($"Signing key file {path} contains no key.");
        }
        foreach (var extra in keys.Skip(1))
        {
            extra.Dispose();
        }
        return keys[0];
    }

    /// <summary>
    /// Writes a new random key with a Synapse-style version (<c>a_XXXX</c>), readable only by its owner.
    /// Never overwrites an existing file: other servers remember the old key.
    /// </summary>
    public static void Create(string path)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        using var key = SigningKey.Generate("a_" + RandomNumberGenerator.GetString(VersionAlphabet, 4));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var writer = new StreamWriter(path, options);
        writer.Write(SigningKeyFile.Format([key]));
    }
}
