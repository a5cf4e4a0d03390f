using System.Security.Cryptography;
using System.Text;

namespace Myelin.Load.Client;

/// <summary>
/// The MAC of a shared-secret registration request (Synapse's <c>/_synapse/admin/v1/register</c>):
/// hex HMAC-SHA1 keyed with the shared secret over <c>nonce \0 username \0 password \0 admin|notadmin</c>.
/// </summary>
public static class SharedSecretMac
{
    public static string Compute(string sharedSecret, string nonce, string username, string password, bool admin)
    {
        string message = string.Join('\0', nonce, username, password, admin ? "admin" : "notadmin");
#pragma warning disable CA5350 // HMAC-SHA1 is what the registration API defines; it is not our choice.
        byte[] mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(sharedSecret), Encoding.UTF8.GetBytes(message));
#pragma warning restore CA5350
        return Convert.ToHexStringLower(mac);
    }
}
