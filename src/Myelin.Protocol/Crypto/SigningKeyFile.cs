using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Myelin.Protocol.Crypto;

/// <summary>
/// Signing key files in Synapse's format: one key per line, <c>ed25519 &lt;version&gt; &lt;unpadded base64 seed&gt;</c>.
/// Files written by Synapse can be read here and the other way round.
/// </summary>
public static class SigningKeyFile
{
    /// <summary>Reads every key in <paramref name="text"/>; blank lines are skipped. On error, no keys are returned.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out IReadOnlyList<SigningKey>? keys, [NotNullWhen(false)] out string? error)
    {
        var parsed = new List<SigningKey>();
        keys = null;
        error = null;
        int lineNumber = 0;
        foreach (string rawLine in text.Split('\n'))
        {
            lineNumber++;
            string line = rawLine.Trim();
            if (line.Length == 0)
            {
                continue;
            }
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3)
            {
                error = $"Line {lineNumber}: expected '<algorithm> <version> <base64 seed>'.";
            }
            else if (parts[0] != Identifiers.KeyId.Ed25519)
            {
                error = $"Line {lineNumber}: unsupported algorithm '{parts[0]}'.";
            }
            else if (!Identifiers.KeyId.IsServerKeyVersion(parts[1]))
            {
                error = $"Line {lineNumber}: key version '{parts[1]}' must match [a-zA-Z0-9_]+.";
            }
            else if (!UnpaddedBase64.TryDecode(parts[2], out byte[]? seed) || seed.Length != SigningKey.SeedSize)
            {
                error = $"Line {lineNumber}: the seed is not {SigningKey.SeedSize} bytes of base64.";
            }
            else
            {
                parsed.Add(SigningKey.FromSeed(seed, parts[1]));
                continue;
            }
            foreach (SigningKey key in parsed)
            {
                key.Dispose();
            }
            return false;
        }
        keys = parsed;
        return true;
    }

    public static string Format(IEnumerable<SigningKey> keys)
    {
        var text = new StringBuilder();
        foreach (SigningKey key in keys)
        {
            text.Append(key.KeyId.Algorithm).Append(' ').Append(key.KeyId.Version).Append(' ')
                .Append(UnpaddedBase64.Encode(key.ExportSeed())).Append('\n');
        }
        return text.ToString();
    }
}
