using System.Globalization;
using System.Text;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;

namespace Myelin.Server.ServerKeys;

/// <summary>
/// The retired keys the admin keeps publishing: the file <c>&lt;signing_key_path&gt;.old</c>, one key per line,
/// <c>ed25519 &lt;version&gt; &lt;unpadded base64 public key&gt; &lt;expired_ts&gt;</c> (blank lines and <c>#</c>
/// comments skipped). A missing file means no old keys. <c>myelin rotate-signing-key</c> appends to it.
/// </summary>
public static class OldSigningKeysFile
{
    public static string PathFor(string signingKeyPath) => signingKeyPath + ".old";

    /// <summary>Reads the old keys next to <paramref name="signingKeyPath"/>; <see cref="ConfigException"/> if malformed.</summary>
    public static IReadOnlyList<OldVerifyKey> Load(string signingKeyPath)
    {
        string path = PathFor(signingKeyPath);
        if (!File.Exists(path))
        {
            return [];
        }
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"Cannot read old signing keys file {path}: {e.Message}", e);
        }
        return Parse(text, out string? error) ?? throw new ConfigException($"Old signing keys file {path} is invalid: {error}");
    }

    /// <summary>Parses the file's text; null with <paramref name="error"/> on the first bad line.</summary>
    public static IReadOnlyList<OldVerifyKey>? Parse(string text, out string? error)
    {
        var keys = new List<OldVerifyKey>();
        int lineNumber = 0;
        foreach (string rawLine in text.Split('\n'))
        {
            lineNumber++;
            string line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 4)
            {
                error = $"Line {lineNumber}: expected 'ed25519 <version> <base64 public key> <expired_ts>'.";
                return null;
            }
            if (parts[0] != KeyId.Ed25519 || !KeyId.IsServerKeyVersion(parts[1]))
            {
                error = $"Line {lineNumber}: expected an ed25519 key with a version matching [a-zA-Z0-9_]+.";
                return null;
            }
            var keyId = KeyId.Create(KeyId.Ed25519, parts[1]);
            if (!VerifyKey.TryCreate(keyId, parts[2], out VerifyKey? verifyKey))
            {
                error = $"Line {lineNumber}: the public key is not 32 bytes of base64.";
                return null;
            }
            if (!long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out long expiredTs))
            {
                error = $"Line {lineNumber}: expired_ts is not a millisecond timestamp.";
                return null;
            }
            keys.Add(new OldVerifyKey(keyId, verifyKey.PublicKeyBase64, expiredTs));
        }
        error = null;
        return keys;
    }

    public static string FormatLine(OldVerifyKey key) =>
        string.Create(CultureInfo.InvariantCulture, $"{key.KeyId.Algorithm} {key.KeyId.Version} {key.PublicKeyBase64} {key.ExpiredTs}\n");

    /// <summary>
    /// Retires the key in <paramref name="signingKeyPath"/>: appends it to the old keys file (expired now) and writes a
    /// new key in its place. Returns the new key's ID.
    /// </summary>
    public static KeyId Rotate(string signingKeyPath, long nowTs)
    {
        using var current = ServerKeyFile.Load(signingKeyPath);
        string oldPath = PathFor(signingKeyPath);
        var existing = File.Exists(oldPath) ? Load(signingKeyPath) : [];
        if (existing.Any(k => k.KeyId == current.KeyId))
        {
            throw new ConfigException($"Key {current.KeyId} is already in {oldPath}.");
        }
        File.AppendAllText(oldPath, FormatLine(new OldVerifyKey(current.KeyId, current.VerifyKey.PublicKeyBase64, nowTs)), Encoding.UTF8);
        // Write the new key beside the old file first, then replace atomically: a crash never leaves no key.
        string temporary = signingKeyPath + ".new";
        File.Delete(temporary);
        ServerKeyFile.Create(temporary);
        using (var created = ServerKeyFile.Load(temporary))
        {
            File.Move(temporary, signingKeyPath, overwrite: true);
            return created.KeyId;
        }
    }
}
