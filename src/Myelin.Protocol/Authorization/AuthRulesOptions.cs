using System.Text.Json;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;

namespace Myelin.Protocol.Authorization;

/// <summary>
/// Checks that the <c>signed</c> object of a third-party invite carries a valid Ed25519 signature by
/// <paramref name="publicKey"/> (unpadded base64, as in <c>m.room.third_party_invite</c>). spec: rooms/v1 auth
/// rule 5.3.1.7 ("If any signature in signed matches any public key ...").
/// </summary>
public delegate bool ThirdPartyInviteSignatureVerifier(JsonElement signed, string publicKey);

/// <summary>Checks that a PDU is validly signed by <paramref name="server"/>.</summary>
public delegate bool ServerSignatureVerifier(Pdu pdu, ServerName server);

/// <summary>
/// The cryptographic checks the auth rules need, injected because signing lives in <c>Myelin.Protocol.Crypto</c>
/// and key lookup needs I/O.
/// </summary>
public sealed record AuthRulesOptions
{
    public static readonly AuthRulesOptions Default = new();

    /// <summary>
    /// Verifies third-party invite signatures. When null, no signature matches and third-party invites are
    /// rejected (rule "Otherwise, reject") — a server that accepts them must supply a verifier.
    /// </summary>
    public ThirdPartyInviteSignatureVerifier? VerifyThirdPartyInviteSignature { get; init; }

    /// <summary>
    /// Verifies the <c>join_authorised_via_users_server</c> server's signature on a join. The default only checks
    /// that the PDU carries a signature from that server: the signature itself is verified with all other
    /// signatures when the PDU is received (server-server "Checks performed on receipt of a PDU" 2).
    /// </summary>
    public ServerSignatureVerifier VerifyServerSignature { get; init; } = HasSignatureFrom;

    /// <summary>Whether the PDU's <c>signatures</c> object has an entry for <paramref name="server"/>.</summary>
    public static bool HasSignatureFrom(Pdu pdu, ServerName server)
    {
        try
        {
            using var doc = JsonDocument.Parse(pdu.Json);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("signatures", out var signatures)
                && signatures.ValueKind == JsonValueKind.Object
                && signatures.TryGetProperty(server.Value, out var keys)
                && keys.ValueKind == JsonValueKind.Object
                && keys.EnumerateObject().Any();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
