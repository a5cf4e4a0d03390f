namespace Myelin.Server.Configuration;

/// <summary>One way to reach the server's administrators. spec: client-server "GET /.well-known/matrix/support".</summary>
public sealed record SupportContact(string Role, string? MatrixId, string? EmailAddress);

/// <summary>The <c>support</c> section: served as <c>/.well-known/matrix/support</c> (404 when absent).</summary>
public sealed record SupportConfig
{
    public IReadOnlyList<SupportContact> Contacts { get; init; } = [];
    public string? SupportPage { get; init; }
}
