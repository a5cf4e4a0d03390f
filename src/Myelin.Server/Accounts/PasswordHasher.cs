using System.Globalization;
using System.Security.Cryptography;
using NSec.Cryptography;

namespace Myelin.Server.Accounts;

/// <summary>
/// Hashes passwords with Argon2id (libsodium via NSec). The stored form is self-describing —
/// <c>$argon2id$m={KiB},t={passes}${salt}${hash}</c> in unpadded base64 — so parameters can be raised
/// later without invalidating existing hashes.
/// </summary>
public sealed class PasswordHasher
{
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    private readonly int _memoryKiB;
    private readonly int _passes;

    /// <param name="memoryKiB">Argon2 memory cost. The default (19 MiB, 2 passes) is OWASP's minimum recommendation.</param>
    public PasswordHasher(int memoryKiB = 19 * 1024, int passes = 2)
    {
        _memoryKiB = memoryKiB;
        _passes = passes;
    }

    public string Hash(string password)
    {
        Span<byte> salt = stackalloc byte[SaltBytes];
        RandomNumberGenerator.Fill(salt);
        byte[] hash = Derive(password, salt, _memoryKiB, _passes);
        return string.Create(CultureInfo.InvariantCulture,
            $"$argon2id$m={_memoryKiB},t={_passes}${Encode(salt)}${Encode(hash)}");
    }

    /// <summary>Checks a password against a stored hash in constant time; false for any malformed hash.</summary>
    public bool Verify(string password, string? stored)
    {
        if (string.IsNullOrEmpty(stored))
        {
            return false;
        }
        string[] parts = stored.Split('$');
        // "", "argon2id", "m=..,t=..", salt, hash
        if (parts.Length != 5 || parts[1] != "argon2id")
        {
            return false;
        }
        string[] parameters = parts[2].Split(',');
        if (parameters.Length != 2 ||
            !parameters[0].StartsWith("m=", StringComparison.Ordinal) ||
            !parameters[1].StartsWith("t=", StringComparison.Ordinal) ||
            !int.TryParse(parameters[0].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int memory) ||
            !int.TryParse(parameters[1].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int passes) ||
            memory is < 8 or > 1024 * 1024 || passes is < 1 or > 16)
        {
            return false;
        }
        byte[] salt, expected;
        try
        {
            salt = Decode(parts[3]);
            expected = Decode(parts[4]);
        }
        catch (FormatException)
        {
            return false;
        }
        byte[] actual = Derive(password, salt, memory, passes, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static byte[] Derive(string password, ReadOnlySpan<byte> salt, int memoryKiB, int passes, int length = HashBytes)
    {
        var algorithm = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
        {
            DegreeOfParallelism = 1,
            MemorySize = memoryKiB,
            NumberOfPasses = passes,
        });
        return algorithm.DeriveBytes(password, salt, length);
    }

    private static string Encode(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static byte[] Decode(string unpadded) =>
        Convert.FromBase64String(unpadded.PadRight(unpadded.Length + ((4 - (unpadded.Length % 4)) % 4), '='));
}
