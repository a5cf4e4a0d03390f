namespace Myelin.Load.Client;

/// <summary>A request the homeserver refused or that never got an answer: which endpoint, the HTTP status and the errcode.</summary>
public sealed class MatrixRequestException : Exception
{
    public MatrixRequestException(string endpoint, int status, string errcode, string error, long? retryAfterMs = null, Exception? inner = null)
        : base($"{endpoint} failed: {(status == 0 ? "" : $"HTTP {status} ")}{errcode}: {error}", inner)
    {
        Endpoint = endpoint;
        Status = status;
        Errcode = errcode;
        Error = error;
        RetryAfterMs = retryAfterMs;
    }

    /// <summary>The endpoint as a method and path template, e.g. <c>PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}</c>.</summary>
    public string Endpoint { get; }

    /// <summary>The HTTP status, or 0 when there was no response (connection refused, timeout).</summary>
    public int Status { get; }

    /// <summary>The Matrix errcode, or a stand-in (<c>HTTP_502</c>, <c>NETWORK</c>, <c>TIMEOUT</c>) when there was none.</summary>
    public string Errcode { get; }

    public string Error { get; }

    public long? RetryAfterMs { get; }

    /// <summary>True when the server does not implement the endpoint (spec: unknown endpoints answer 404 or 405 M_UNRECOGNIZED).</summary>
    public bool IsUnrecognized => Errcode == "M_UNRECOGNIZED" || (Status is 404 or 405 && Errcode.StartsWith("HTTP_", StringComparison.Ordinal));
}
