namespace Myelin.Protocol.Identifiers;

/// <summary>Shared shape check for <c>{sigil}{opaque}[:{server}]</c> identifiers.</summary>
internal static class SigilledId
{
    public static bool IsValid(string? value, char sigil, int maxLength, bool serverRequired)
    {
        if (string.IsNullOrEmpty(value) || value.Length < 2 || value.Length > maxLength || value[0] != sigil)
        {
            return false;
        }
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return !serverRequired;
        }
        return colon > 1 && ServerName.TryParse(value[(colon + 1)..], out _);
    }
}
