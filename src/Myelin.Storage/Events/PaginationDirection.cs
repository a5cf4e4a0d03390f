namespace Myelin.Storage.Events;

/// <summary>spec: client-server "GET /rooms/{roomId}/messages" <c>dir</c>.</summary>
public enum PaginationDirection
{
    Backwards,
    Forwards,
}
