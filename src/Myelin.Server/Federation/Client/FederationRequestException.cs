using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Federation.Client;

/// <summary>An outbound federation request failed: unreachable, an error response, or a body that is not a JSON object.</summary>
public sealed class FederationRequestException : Exception
{
    public FederationRequestException(ServerName destination, string message, int? statusCode = null, string? errcode = null, Exception? inner = null)
        : base($"{destination}: {message}", inner)
    {
        Destination = destination;
        StatusCode = statusCode;
        Errcode = errcode;
    }

    public FederationRequestException()
    {
    }

    public FederationRequestException(string message) : base(message)
    {
    }

    public FederationRequestException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public ServerName Destination { get; }

    /// <summary>The HTTP status of an error response; null if no response arrived.</summary>
    public int? StatusCode { get; }

    /// <summary>The Matrix errcode of an error response, if it had one.</summary>
    public string? Errcode { get; }
}
