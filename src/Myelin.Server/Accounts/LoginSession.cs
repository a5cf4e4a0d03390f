using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Accounts;

/// <summary>
/// The credentials of a new login: the device and its access token, plus a refresh token and the access
/// token's lifetime when the client asked for refreshable tokens. spec: client-server "Login", "Refreshing access tokens".
/// </summary>
public sealed record LoginSession(UserId UserId, DeviceId DeviceId, string AccessToken, string? RefreshToken, long? ExpiresInMs);
