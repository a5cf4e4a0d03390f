using System.Text.Json;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Edus;

namespace Myelin.Server.E2ee.Federation;

/// <summary>Inbound <c>m.signing_key_update</c>: the user's new cross-signing keys are cached. spec: server-server "End-to-End Encryption".</summary>
public sealed class SigningKeyUpdateEduHandler(RemoteDeviceLists lists) : IEduHandler
{
    public string EduType => EduTypes.SigningKeyUpdate;

    public Task HandleAsync(ServerName origin, JsonElement content, CancellationToken cancellationToken) =>
        lists.ApplySigningKeyUpdateAsync(origin, content, cancellationToken);
}
