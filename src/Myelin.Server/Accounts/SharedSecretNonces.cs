using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Myelin.Server.Accounts;

/// <summary>
/// Nonces for Synapse's shared-secret registration (<c>/_synapse/admin/v1/register</c>): each is valid for
/// <see cref="Lifetime"/> and for one registration attempt.
/// </summary>
public sealed class SharedSecretNonces
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private const int MaxOutstanding = 10_000;

    private readonly ConcurrentDictionary<string, long> _issued = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public SharedSecretNonces(TimeProvider time) => _time = time;

    public string Issue()
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (_issued.Count >= MaxOutstanding)
        {
            foreach (var (nonce, issued) in _issued)
            {
                if (now - issued > Lifetime.TotalMilliseconds)
                {
                    _issued.TryRemove(nonce, out _);
                }
            }
        }
        string value = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _issued[value] = now;
        return value;
    }

    /// <summary>Removes the nonce; true if it had been issued and has not expired.</summary>
    public bool TryConsume(string nonce)
    {
        ArgumentNullException.ThrowIfNull(nonce);
        return _issued.TryRemove(nonce, out long issued) &&
               _time.GetUtcNow().ToUnixTimeMilliseconds() - issued <= Lifetime.TotalMilliseconds;
    }
}
