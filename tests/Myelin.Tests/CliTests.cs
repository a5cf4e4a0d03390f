using Myelin.Cli;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Accounts;
using Myelin.Server.Configuration;

namespace Myelin.Tests;

public sealed class CliTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("myelin-cli-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = await MyelinCli.InvokeAsync(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Generate_config_writes_a_loadable_commented_file_and_a_signing_key()
    {
        var (exitCode, output, _) = await RunAsync("generate-config", "--data-dir", _data, "--server-name", "example.org", "--port", "8448");

        Assert.Equal(0, exitCode);
        string configPath = Path.Combine(_data, "homeserver.yaml");
        Assert.Contains(configPath, output, StringComparison.Ordinal);
        var loaded = ConfigLoader.Load(configPath);
        Assert.Empty(loaded.Warnings);
        Assert.Equal("example.org", loaded.Config.ServerName.Value);
        Assert.Equal(8448, loaded.Config.Listeners.Single().Port);
        Assert.Equal(Path.Combine(_data, "homeserver.db"), loaded.Config.Database.SqlitePath);
        Assert.StartsWith("ed25519 a_", await File.ReadAllTextAsync(loaded.Config.SigningKeyPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_config_refuses_to_overwrite()
    {
        Assert.Equal(0, (await RunAsync("generate-config", "-d", _data)).ExitCode);
        string before = await File.ReadAllTextAsync(Path.Combine(_data, "homeserver.yaml"));

        var (exitCode, _, error) = await RunAsync("generate-config", "-d", _data, "--server-name", "other.example");

        Assert.Equal(1, exitCode);
        Assert.Contains("already exists", error, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(_data, "homeserver.yaml")));
    }

    [Fact]
    public async Task Generate_config_rejects_an_invalid_server_name()
    {
        var (exitCode, _, error) = await RunAsync("generate-config", "-d", _data, "--server-name", "not a name");

        Assert.Equal(1, exitCode);
        Assert.Contains("not a valid server name", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_data, "homeserver.yaml")));
    }

    [Fact]
    public async Task Serve_with_an_invalid_config_explains_and_exits_1()
    {
        string configPath = Path.Combine(_data, "bad.yaml");
        await File.WriteAllTextAsync(configPath, "server_name: example.org\nmax_upload_size: lots\nlog_level: loud\nmystery_key: 1\n");

        var (exitCode, _, error) = await RunAsync("serve", "--config", configPath);

        Assert.Equal(1, exitCode);
        Assert.Contains("max_upload_size", error, StringComparison.Ordinal);
        Assert.Contains("log_level", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_user_creates_an_admin_with_a_verifiable_password()
    {
        Assert.Equal(0, (await RunAsync("generate-config", "-d", _data, "-s", "example.org")).ExitCode);

        var (exitCode, output, error) = await RunAsync("register-user", "-d", _data, "--user", "@alice:example.org", "--password", "correct horse", "--admin");

        Assert.True(exitCode == 0, error);
        Assert.Contains("@alice:example.org", output, StringComparison.Ordinal);
        var config = ConfigLoader.Load(Path.Combine(_data, "homeserver.yaml")).Config;
        await using var database = await config.Database.OpenAsync();
        var account = await database.Users.GetAsync(UserId.Parse("@alice:example.org"));
        Assert.NotNull(account);
        Assert.True(account.IsAdmin);
        Assert.True(new PasswordHasher().Verify("correct horse", account.PasswordHash));
        Assert.False(new PasswordHasher().Verify("wrong", account.PasswordHash));
    }

    [Fact]
    public async Task Register_user_refuses_taken_invalid_and_foreign_user_ids()
    {
        Assert.Equal(0, (await RunAsync("generate-config", "-d", _data, "-s", "example.org")).ExitCode);
        Assert.Equal(0, (await RunAsync("register-user", "-d", _data, "-u", "bob", "--password", "pw")).ExitCode);

        var taken = await RunAsync("register-user", "-d", _data, "-u", "bob", "--password", "pw");
        var invalid = await RunAsync("register-user", "-d", _data, "-u", "Bob!", "--password", "pw");
        var foreign = await RunAsync("register-user", "-d", _data, "-u", "@carol:elsewhere.org", "--password", "pw");

        Assert.Equal(1, taken.ExitCode);
        Assert.Contains("already exists", taken.Error, StringComparison.Ordinal);
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("not a valid username", invalid.Error, StringComparison.Ordinal);
        Assert.Equal(1, foreign.ExitCode);
        Assert.Contains("not a user ID on this server", foreign.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_user_without_a_config_says_how_to_make_one()
    {
        var (exitCode, _, error) = await RunAsync("register-user", "-d", _data, "-u", "dave", "--password", "pw");

        Assert.Equal(1, exitCode);
        Assert.Contains("generate-config", error, StringComparison.Ordinal);
    }
}
