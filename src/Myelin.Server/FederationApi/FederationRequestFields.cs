using Myelin.Protocol.Identifiers;
using Myelin.Server.Http;

namespace Myelin.Server.FederationApi;

/// <summary>Parsing of path and query values of federation requests (400 <c>M_INVALID_PARAM</c>/<c>M_MISSING_PARAM</c> with the name).</summary>
internal static class FederationRequestFields
{
    /// <summary>
    /// A path segment: ASP.NET Core leaves <c>%2F</c> encoded in route values, and room version 3 event IDs contain
    /// <c>/</c> (standard base64), so the segment is unescaped once more.
    /// </summary>
    public static string PathValue(string value) => value.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(value) : value;

    public static RoomId PathRoomId(string value) => RequestFields.ParseRoomId(PathValue(value));

    public static EventId PathEventId(string value) => RequestFields.ParseEventId(PathValue(value));

    public static EventId QueryEventId(string? value, string name)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw MatrixException.MissingParam($"Missing {name}.");
        }
        return EventId.TryParse(value, out var id) ? id : throw MatrixException.InvalidParam($"'{name}' is not a valid event ID: '{value}'.");
    }
}
