using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Myelin.Server.Authentication;

/// <summary>Generating access/refresh tokens and reading them from requests.</summary>
public static class AccessTokens
{
    /// <summary>A new opaque token: a prefix saying what it is, then 32 random bytes in URL-safe base64.</summary>
    public static string Generate(string prefix = "mya_") =>
        prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// The request's access token: the <c>Authorization: Bearer</c> header, or the deprecated
    /// <c>access_token</c> query parameter. spec: client-server "Using access tokens".
    /// </summary>
    public static string? Read(HttpRequest request)
    {
        StringValues header = request.Headers.Authorization;
        if (header.Count > 0)
        {
            string value = header.ToString();
            return value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? value[7..].Trim() : null;
        }
        return request.Query.TryGetValue("access_token", out var query) && query.Count > 0 ? query.ToString() : null;
    }
}
