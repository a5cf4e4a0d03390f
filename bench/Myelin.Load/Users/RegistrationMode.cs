namespace Myelin.Load.Users;

/// <summary>How the load generator gets its accounts.</summary>
public enum RegistrationMode
{
    /// <summary>Open registration through <c>/register</c> with the <c>m.login.dummy</c> stage.</summary>
    Open,

    /// <summary>Synapse-style shared-secret registration (<c>/_synapse/admin/v1/register</c>).</summary>
    SharedSecret,

    /// <summary>Accounts made beforehand, read from a JSON-lines file.</summary>
    File,
}

/// <summary>Parses <c>--registration</c> values: open, shared-secret, file (any case; the hyphen is optional).</summary>
public static class RegistrationModes
{
    public static bool TryParse(string value, out RegistrationMode mode)
    {
        mode = value.Replace("-", "", StringComparison.Ordinal).ToUpperInvariant() switch
        {
            "OPEN" => RegistrationMode.Open,
            "SHAREDSECRET" => RegistrationMode.SharedSecret,
            "FILE" => RegistrationMode.File,
            _ => (RegistrationMode)(-1),
        };
        return Enum.IsDefined(mode);
    }
}
