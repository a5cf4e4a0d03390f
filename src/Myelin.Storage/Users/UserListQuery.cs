namespace Myelin.Storage.Users;

/// <summary>A page of the admin user list, ordered by user ID.</summary>
public sealed record UserListQuery
{
    public int Offset { get; init; }
    public int Limit { get; init; } = 100;
    public bool IncludeDeactivated { get; init; } = true;
    public bool IncludeGuests { get; init; } = true;
}
