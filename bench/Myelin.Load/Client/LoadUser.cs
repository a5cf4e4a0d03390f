namespace Myelin.Load.Client;

/// <summary>An account the load generator acts as. <see cref="Password"/> is known only for users it registered itself.</summary>
public sealed record LoadUser(string UserId, string AccessToken, string? Password = null)
{
    /// <summary>The localpart of <see cref="UserId"/> (between '@' and the first ':').</summary>
    public string Localpart => UserId.IndexOf(':', StringComparison.Ordinal) is var colon and > 1 ? UserId[1..colon] : UserId.TrimStart('@');
}
