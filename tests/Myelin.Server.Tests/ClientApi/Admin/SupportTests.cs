using Myelin.Server.Configuration;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Admin;

public abstract class SupportTests
{
    protected abstract TestEngine Engine { get; }

    [Fact]
    public async Task Support_document_comes_from_config_and_is_404_without_it()
    {
        await using (var bare = await TestHomeserver.StartAsync(Engine))
        {
            await MatrixAssert.ErrorAsync(await bare.Http.GetAsync("/.well-known/matrix/support"), 404, "M_NOT_FOUND");
        }
        var support = ConfigLoader.Parse("""
            server_name: example.org
            support:
              support_page: https://example.org/help
              contacts:
                - role: m.role.admin
                  matrix_id: "@admin:example.org"
                - role: m.role.security
                  email_address: security@example.org
            """, Path.GetTempPath()).Config.Support;
        await using var server = await TestHomeserver.StartAsync(Engine, c => c with { Support = support });
        var body = await MatrixAssert.OkAsync(await server.Http.GetAsync("/.well-known/matrix/support"));
        Assert.Equal("https://example.org/help", body["support_page"]!.GetValue<string>());
        var contacts = body["contacts"]!.AsArray();
        Assert.Equal("@admin:example.org", contacts[0]!["matrix_id"]!.GetValue<string>());
        Assert.Null(contacts[0]!["email_address"]);
        Assert.Equal("security@example.org", contacts[1]!["email_address"]!.GetValue<string>());
    }

    [Fact]
    public void Incomplete_support_config_is_rejected()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("""
            server_name: example.org
            support:
              contacts:
                - role: m.role.admin
                - matrix_id: "not-a-user"
            """, Path.GetTempPath()));
        Assert.Contains("support.contacts[0].matrix_id", e.Message, StringComparison.Ordinal);
        Assert.Contains("support.contacts[1].role", e.Message, StringComparison.Ordinal);
        Assert.Throws<ConfigException>(() => ConfigLoader.Parse("server_name: example.org\nsupport: {}\n", Path.GetTempPath()));
    }
}

public sealed class SupportTests_Sqlite : SupportTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class SupportTests_Postgres : SupportTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
