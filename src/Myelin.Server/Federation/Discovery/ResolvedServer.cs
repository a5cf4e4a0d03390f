namespace Myelin.Server.Federation.Discovery;

/// <summary>
/// Where to send requests for a server name: connect to <see cref="ConnectHost"/> (an IP literal, or a host name
/// resolved with A/AAAA records) on <see cref="Port"/>, sending <see cref="HostHeader"/> as the Host header; the TLS
/// SNI and the certificate name checked are the host part of <see cref="HostHeader"/>.
/// spec: server-server "Resolving server names".
/// </summary>
public sealed record ResolvedServer(string ConnectHost, int Port, string HostHeader);
