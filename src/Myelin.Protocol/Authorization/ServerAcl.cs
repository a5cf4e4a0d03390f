using System.Text.Json;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.Push;

namespace Myelin.Protocol.Authorization;

/// <summary>
/// A room's <c>m.room.server_acl</c>: which servers may take part in the room at the federation level.
/// spec: event-schemas m.room.server_acl (the five ordered rules); server-server "Server Access Control Lists (ACLs)".
/// </summary>
public sealed class ServerAcl
{
    private readonly GlobPattern[] _allow;
    private readonly GlobPattern[] _deny;
    private readonly bool _allowIpLiterals;

    private ServerAcl(GlobPattern[] allow, GlobPattern[] deny, bool allowIpLiterals)
    {
        _allow = allow;
        _deny = deny;
        _allowIpLiterals = allowIpLiterals;
    }

    /// <summary>
    /// The ACL of an event's content. Entries that are not strings are ignored; a missing or non-array list is empty;
    /// <c>allow_ip_literals</c> defaults to true when missing or not a boolean (as the schema says).
    /// </summary>
    public static ServerAcl FromContent(JsonElement content)
    {
        bool allowIpLiterals = !(content.ValueKind == JsonValueKind.Object
            && content.TryGetProperty("allow_ip_literals", out var literals) && literals.ValueKind == JsonValueKind.False);
        return new ServerAcl(Patterns(content, "allow"), Patterns(content, "deny"), allowIpLiterals);
    }

    /// <summary>Rules 2–5 (rule 1, "no ACL event: allow", is the caller's: no <see cref="ServerAcl"/> at all).</summary>
    public bool IsAllowed(ServerName server)
    {
        // The port is never considered: "evil.com:1234" matches rules for "evil.com".
        string host = server.Host;
        if (server.IsIpLiteral && !_allowIpLiterals)
        {
            return false;
        }
        foreach (var pattern in _deny)
        {
            if (pattern.IsMatch(host))
            {
                return false;
            }
        }
        foreach (var pattern in _allow)
        {
            if (pattern.IsMatch(host))
            {
                return true;
            }
        }
        return false;
    }

    private static GlobPattern[] Patterns(JsonElement content, string name)
    {
        if (content.ValueKind != JsonValueKind.Object || !content.TryGetProperty(name, out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return [];
        }
        var patterns = new List<GlobPattern>();
        foreach (var entry in list.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.String)
            {
                patterns.Add(new GlobPattern(entry.GetString()!));
            }
        }
        return [.. patterns];
    }
}
