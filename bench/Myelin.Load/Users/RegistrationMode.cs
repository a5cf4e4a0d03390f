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
