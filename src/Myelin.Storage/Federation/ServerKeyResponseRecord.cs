using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Federation;

/// <summary>
/// A server's <c>/_matrix/key/v2/server</c> response (signed by that server), as received directly
/// (<see cref="FromServer"/> = the server itself) or through a notary.
/// </summary>
public sealed record ServerKeyResponseRecord(ServerName ServerName, ServerName FromServer, long ValidUntilTs, long FetchedTs, string Json);
