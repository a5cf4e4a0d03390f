namespace Myelin.Storage.Tests.Migrations;

public sealed class DatabaseOptionsTests
{
    [Theory]
    [InlineData("sqlite", DatabaseEngineKind.Sqlite)]
    [InlineData("sqlite3", DatabaseEngineKind.Sqlite)]
    [InlineData("postgres", DatabaseEngineKind.Postgres)]
    [InlineData("PostgreSQL", DatabaseEngineKind.Postgres)]
    [InlineData("psycopg2", DatabaseEngineKind.Postgres)]
    public void Engine_names_and_synapse_aliases_are_accepted(string name, DatabaseEngineKind expected) =>
        Assert.Equal(expected, new DatabaseOptions { Name = name }.Engine);

    [Fact]
    public void Unknown_engine_is_a_clear_error()
    {
        var ex = Assert.Throws<ArgumentException>(() => new DatabaseOptions { Name = "mysql" }.Engine);
        Assert.Contains("Unknown database engine 'mysql'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Synapse_sqlite_args_map_database_to_the_file_path()
    {
        var options = DatabaseOptions.FromSynapseConfig("sqlite3", new Dictionary<string, string?> { ["database"] = "/data/homeserver.db" });
        Assert.Equal(DatabaseEngineKind.Sqlite, options.Engine);
        Assert.Equal("/data/homeserver.db", options.Path);
    }

    [Fact]
    public void Synapse_postgres_args_build_a_connection_string()
    {
        var options = DatabaseOptions.FromSynapseConfig("psycopg2", new Dictionary<string, string?>
        {
            ["user"] = "synapse_user",
            ["password"] = "secret",
            ["database"] = "synapse",
            ["host"] = "db.internal",
            ["port"] = "6432",
            ["cp_min"] = "5",
            ["cp_max"] = "10",
        });
        var cs = new Npgsql.NpgsqlConnectionStringBuilder(options.PostgresConnectionString());
        Assert.Equal("db.internal", cs.Host);
        Assert.Equal(6432, cs.Port);
        Assert.Equal("synapse", cs.Database);
        Assert.Equal("synapse_user", cs.Username);
        Assert.Equal("secret", cs.Password);
        Assert.Equal(5, cs.MinPoolSize);
        Assert.Equal(10, cs.MaxPoolSize);
    }

    [Fact]
    public void Bad_port_and_missing_arguments_are_clear_errors()
    {
        Assert.Throws<ArgumentException>(() => DatabaseOptions.FromSynapseConfig("postgres", new Dictionary<string, string?> { ["port"] = "abc" }));
        var missingDb = Assert.Throws<ArgumentException>(() => new DatabaseOptions { Name = "postgres", Host = "x" }.PostgresConnectionString());
        Assert.Contains("database", missingDb.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new DatabaseOptions { Name = "sqlite" }.SqlitePath());
        Assert.Throws<ArgumentException>(() => new DatabaseOptions { Name = "sqlite", Path = ":memory:" }.SqlitePath());
    }

    [Fact]
    public async Task Open_with_missing_sqlite_path_fails_before_touching_disk() =>
        await Assert.ThrowsAsync<ArgumentException>(() => MyelinDatabase.OpenAsync(new DatabaseOptions { Name = "sqlite" }));
}
