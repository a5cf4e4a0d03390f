using System.Text.Json;
using Myelin.Load.Client;

namespace Myelin.Load.Users;

/// <summary>
/// Reads pre-made accounts: one JSON object per line, <c>{"user_id": "@a:example.org", "access_token": "..."}</c>,
/// optionally with <c>"password"</c>. Blank lines and lines starting with '#' are skipped.
/// </summary>
public static class UsersFile
{
    public static List<LoadUser> Parse(string text, string source)
    {
        var users = new List<LoadUser>();
        int lineNumber = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                string? userId = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("user_id", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
                string? token = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("access_token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                string? password = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("password", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
                if (userId is null || !userId.StartsWith('@') || !userId.Contains(':', StringComparison.Ordinal) || string.IsNullOrEmpty(token))
                {
                    throw new FormatException($"{source}:{lineNumber}: each line needs a string user_id (@localpart:server) and a non-empty string access_token.");
                }
                users.Add(new LoadUser(userId, token, password));
            }
            catch (JsonException e)
            {
                throw new FormatException($"{source}:{lineNumber}: not a JSON object: {e.Message}", e);
            }
        }
        return users;
    }
}
