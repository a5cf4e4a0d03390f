namespace Myelin.Server.Accounts;

/// <summary>What to create when registering an account (for the client API, shared-secret registration and the CLI).</summary>
public sealed record RegistrationOptions
{
    /// <summary>The desired localpart; lower-cased before validation. Null picks a numeric one (guests).</summary>
    public string? Localpart { get; init; }

    /// <summary>The password; null for accounts that cannot log in with a password (guests).</summary>
    public string? Password { get; init; }

    public bool IsAdmin { get; init; }
    public bool IsGuest { get; init; }

    /// <summary>The initial display name; defaults to the localpart for non-guests.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Synapse's <c>user_type</c> (<c>bot</c>, <c>support</c>); null for a normal user.</summary>
    public string? UserType { get; init; }
}
