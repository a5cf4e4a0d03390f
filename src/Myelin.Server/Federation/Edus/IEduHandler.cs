using System.Text.Json;
using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Federation.Edus;

/// <summary>
/// Handles one EDU type received in a federation transaction. Register each with
/// <c>services.AddSingleton&lt;IEduHandler, TypingEduHandler&gt;()</c>; <c>PUT /send/{txnId}</c> dispatches every EDU to
/// the handlers of its <c>edu_type</c>. A handler validates the content itself and ignores what is malformed or
/// not the origin's to send (an EDU has no per-item result). spec: server-server "EDUs".
/// </summary>
public interface IEduHandler
{
    /// <summary>The <c>edu_type</c> handled, e.g. <see cref="EduTypes.Typing"/>.</summary>
    string EduType { get; }

    Task HandleAsync(ServerName origin, JsonElement content, CancellationToken cancellationToken);
}
