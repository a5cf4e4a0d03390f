using System.Text.Json;

namespace Myelin.Protocol.Json;

/// <summary>
/// JSON that cannot be encoded as canonical JSON (a float or out-of-range integer in strict mode,
/// a duplicate key, invalid Unicode). A <see cref="JsonException"/>, so the HTTP edge answers <c>M_BAD_JSON</c>.
/// </summary>
public sealed class CanonicalJsonException : JsonException
{
    public CanonicalJsonException(string message) : base(message)
    {
    }

    public CanonicalJsonException()
    {
    }

    public CanonicalJsonException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
