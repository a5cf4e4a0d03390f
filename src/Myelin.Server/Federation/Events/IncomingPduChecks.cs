using System.Text.Json;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Server.Federation.Keys;

namespace Myelin.Server.Federation.Events;

/// <summary>
/// The checks every PDU received over federation passes before authorisation: 1. a valid event for the room
/// version, 2. signed by the servers that must sign it, 3. a matching content hash (else the redacted copy is used).
/// spec: server-server "Checks performed on receipt of a PDU" 1–3; "Validating hashes and signatures on received events".
/// </summary>
public sealed class IncomingPduChecks
{
    private readonly RemoteServerKeys _keys;

    public IncomingPduChecks(RemoteServerKeys keys) => _keys = keys;

    public async Task<PduCheckResult> CheckAsync(ReadOnlyMemory<byte> json, RoomVersion version, CancellationToken cancellationToken = default)
    {
        // 1. Format.
        if (!PduParser.TryParse(json, version, out Pdu? pdu, out string? error))
        {
            return PduCheckResult.Dropped($"Invalid event: {error}");
        }
        // 2. Signatures of every server that must sign.
        foreach (ServerName server in RequiredSigners(pdu))
        {
            if (await CheckSignatureAsync(pdu, server, cancellationToken) is { } problem)
            {
                return PduCheckResult.Dropped(problem);
            }
        }
        // 3. Content hash: a mismatch means we were given a redacted copy; enforce it.
        if (EventHashing.CheckContentHash(pdu.Root, version))
        {
            return new PduCheckResult(PduCheckOutcome.Accepted, pdu, null);
        }
        byte[] redacted = EventRedaction.Redact(pdu.Json.Span, version);
        return PduParser.TryParse(redacted, version, out Pdu? redactedPdu, out error)
            ? new PduCheckResult(PduCheckOutcome.Redacted, redactedPdu, "The content hash does not match; using the redacted event.")
            : PduCheckResult.Dropped($"The redacted event is invalid: {error}");
    }

    /// <summary>
    /// The sender's server; in room versions 1 and 2 also the server in the event ID; for a restricted join also the
    /// server of <c>join_authorised_via_users_server</c>. spec: "Validating hashes and signatures on received events";
    /// "Restricted rooms".
    /// </summary>
    public static IReadOnlyList<ServerName> RequiredSigners(Pdu pdu)
    {
        var servers = new List<ServerName> { pdu.Sender.Server };
        if (pdu.RoomVersion.EventIdInPdu && pdu.EventId.Server is { } eventServer && !servers.Contains(eventServer))
        {
            servers.Add(eventServer);
        }
        if (pdu.RoomVersion.AllowRestrictedJoins && pdu.Type == EventTypes.Member && pdu.Content.ValueKind == JsonValueKind.Object
            && pdu.Content.TryGetProperty("membership", out var membership) && membership.ValueKind == JsonValueKind.String && membership.GetString() == "join"
            && pdu.Content.TryGetProperty("join_authorised_via_users_server", out var via) && via.ValueKind == JsonValueKind.String
            && UserId.TryParse(via.GetString(), out UserId authoriser) && !servers.Contains(authoriser.Server))
        {
            servers.Add(authoriser.Server);
        }
        return servers;
    }

    private async Task<string?> CheckSignatureAsync(Pdu pdu, ServerName server, CancellationToken cancellationToken)
    {
        var root = pdu.Root;
        if (!root.TryGetProperty("signatures", out var signatures) || signatures.ValueKind != JsonValueKind.Object
            || !signatures.TryGetProperty(server.Value, out var serverSignatures) || serverSignatures.ValueKind != JsonValueKind.Object)
        {
            return $"The event is not signed by {server}.";
        }
        // Keys that expired before the event was sent do not count; room versions 1–4 ignore valid_until_ts.
        // spec: keys.yaml valid_until_ts; rooms/v5 "Signing key validity period".
        long minimumValidUntil = pdu.RoomVersion.EnforceKeyValidity ? pdu.OriginServerTs : 0;
        var keys = new Dictionary<KeyId, VerifyKey>();
        foreach (var property in serverSignatures.EnumerateObject())
        {
            if (KeyId.TryParse(property.Name, out KeyId keyId) && keyId.Algorithm == KeyId.Ed25519
                && await _keys.GetVerifyKeyAsync(server, keyId, minimumValidUntil, acceptOld: true, cancellationToken: cancellationToken) is { } key)
            {
                keys[keyId] = key;
            }
        }
        var check = EventSigning.VerifySignature(pdu, server.Value, id => keys.GetValueOrDefault(id));
        return check.IsValid ? null : $"The signature of {server} is not valid: {check}.";
    }
}
