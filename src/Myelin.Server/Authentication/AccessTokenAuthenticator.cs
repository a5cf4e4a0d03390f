using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Http;
using Myelin.Storage;

namespace Myelin.Server.Authentication;

/// <summary>
/// Resolves access tokens to requesters, with a short in-memory cache (every request carries a token;
/// most are the same few). Logout, device deletion and deactivation evict the affected entries.
/// </summary>
public sealed class AccessTokenAuthenticator
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan LastSeenInterval = TimeSpan.FromMinutes(5);
    private const int MaxCacheEntries = 100_000;

    private readonly MyelinDatabase _database;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, CacheEntry> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(UserId, DeviceId), long> _lastSeenWritten = new();

    public AccessTokenAuthenticator(MyelinDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    /// <summary>Authenticates the request or throws the spec's 401 error.</summary>
    public async ValueTask<Requester> AuthenticateAsync(HttpContext context)
    {
        string token = AccessTokens.Read(context.Request) ?? throw MatrixException.MissingToken();
        var requester = await ResolveAsync(token, context.RequestAborted) ?? throw MatrixException.UnknownToken();
        if (requester.IsGuest && !GuestAccess.IsAllowed(context))
        {
            throw MatrixException.GuestAccessForbidden("Guest accounts cannot use this endpoint.");
        }
        RecordLastSeen(requester, context);
        return requester;
    }

    /// <summary>The requester for a token, or null if the token is unknown. Throws for expired tokens and locked users.</summary>
    public async ValueTask<Requester?> ResolveAsync(string token, CancellationToken cancellationToken)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (_cache.TryGetValue(token, out var cached) && cached.CachedUntil > now)
        {
            return Check(cached, now);
        }
        var info = await _database.AccessTokens.GetAsync(token, cancellationToken);
        if (info is null)
        {
            _cache.TryRemove(token, out _);
            return null;
        }
        var account = await _database.Users.GetAsync(info.UserId, cancellationToken);
        if (account is null || account.IsDeactivated)
        {
            return null;
        }
        var entry = new CacheEntry(
            new Requester(info.UserId, info.DeviceId, info.IsGuest, account.IsAdmin, info.TokenId, account.IsSuspended),
            info.ExpiresTs, account.IsLocked, now + (long)CacheLifetime.TotalMilliseconds);
        if (_cache.Count >= MaxCacheEntries)
        {
            _cache.Clear();
        }
        _cache[token] = entry;
        return Check(entry, now);
    }

    private static Requester Check(CacheEntry entry, long now)
    {
        if (entry.ExpiresTs is { } expires && now >= expires)
        {
            // spec: "Soft logout": an expired token is soft-logged-out, so clients refresh instead of wiping data.
            throw MatrixException.UnknownToken("Access token has expired.", softLogout: true);
        }
        if (entry.IsLocked)
        {
            throw new MatrixException(MatrixErrorCodes.UserLocked, "This account has been locked.", 401,
                new Dictionary<string, System.Text.Json.Nodes.JsonNode?> { ["soft_logout"] = true });
        }
        return entry.Requester;
    }

    /// <summary>Forgets one token (after logout).</summary>
    public void Evict(string token) => _cache.TryRemove(token, out _);

    /// <summary>Forgets every cached token of a user, or of one device of theirs.</summary>
    public void EvictUser(UserId user, DeviceId? device = null)
    {
        foreach (var (token, entry) in _cache)
        {
            if (entry.Requester.UserId == user && (device is null || entry.Requester.DeviceId == device))
            {
                _cache.TryRemove(token, out _);
            }
        }
    }

    private void RecordLastSeen(Requester requester, HttpContext context)
    {
        if (requester.DeviceId is not { } device)
        {
            return;
        }
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var key = (requester.UserId, device);
        if (_lastSeenWritten.TryGetValue(key, out long last) && now - last < LastSeenInterval.TotalMilliseconds)
        {
            return;
        }
        _lastSeenWritten[key] = now;
        string? ip = context.Connection.RemoteIpAddress?.ToString();
        string? userAgent = context.Request.Headers.UserAgent.ToString();
        // Best effort and off the request path: last-seen data is informational.
        _ = Task.Run(async () =>
        {
            try
            {
                await _database.Devices.UpdateLastSeenAsync(requester.UserId, device, ip, userAgent, now);
            }
            #pragma warning disable CA1031 // a failed last-seen write must never fail a request
            catch (Exception)
#pragma warning restore CA1031
            {
                _lastSeenWritten.TryRemove(key, out _);
            }
        });
    }

    private sealed record CacheEntry(Requester Requester, long? ExpiresTs, bool IsLocked, long CachedUntil);
}
