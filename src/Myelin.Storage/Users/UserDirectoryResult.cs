namespace Myelin.Storage.Users;

/// <summary>A user directory search result. spec: client-server "POST /user_directory/search".</summary>
public sealed record UserDirectoryResult(IReadOnlyList<Profile> Results, bool Limited);
