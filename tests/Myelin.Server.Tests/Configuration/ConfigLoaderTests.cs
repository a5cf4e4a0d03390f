using System.Net;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;

namespace Myelin.Server.Tests.Configuration;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("myelin-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ConfigLoadResult Parse(string yaml) => ConfigLoader.Parse(yaml, _dir);

    [Fact]
    public void Generated_config_round_trips_to_the_documented_defaults()
    {
        string path = Path.Combine(_dir, "homeserver.yaml");
        var generated = ConfigBootstrap.Generate(path, _dir, ServerName.Parse("example.org"));

        var loaded = ConfigLoader.Load(path);
        var expected = MyelinConfig.CreateDefault(ServerName.Parse("example.org"), _dir);

        Assert.Empty(loaded.Warnings);
        var config = loaded.Config;
        Assert.Equal(path, config.ConfigPath);
        Assert.Equal(expected.ServerName, config.ServerName);
        Assert.Equal(expected.PublicBaseUrl, config.PublicBaseUrl);
        Assert.Equal(expected.Database, config.Database);
        Assert.Equal(expected.SigningKeyPath, config.SigningKeyPath);
        Assert.Equal(generated.SigningKeyPath, config.SigningKeyPath);
        Assert.Equal(expected.MediaStorePath, config.MediaStorePath);
        Assert.Equal(expected.MaxUploadSize, config.MaxUploadSize);
        Assert.Equal(expected.MaxRequestBodySize, config.MaxRequestBodySize);
        Assert.Equal(expected.RateLimiting, config.RateLimiting);
        Assert.Equal(expected.ShutdownTimeout, config.ShutdownTimeout);
        Assert.Equal(expected.IpRangeBlacklist, config.IpRangeBlacklist);
        Assert.Equal("matrix.org", config.TrustedKeyServers.Single().ServerName);
        var listener = config.Listeners.Single();
        Assert.Equal(8008, listener.Port);
        Assert.Equal([IPAddress.Loopback], listener.BindAddresses);
        Assert.True(listener.Serves("client") && listener.Serves("federation") && listener.Serves("metrics"));
        Assert.False(config.EnableRegistration);
        Assert.True(config.PresenceEnabled);
        Assert.Equal(LogLevel.Information, config.LogLevel);
        Assert.Equal(48, config.RegistrationSharedSecret?.Length);
    }

    [Fact]
    public void Edited_config_is_picked_up_on_reload()
    {
        string path = Path.Combine(_dir, "homeserver.yaml");
        ConfigBootstrap.Generate(path, _dir, ServerName.Parse("example.org"));
        string text = File.ReadAllText(path)
            .Replace("enable_registration: false", "enable_registration: true", StringComparison.Ordinal)
            .Replace("max_upload_size: 50M", "max_upload_size: 2G", StringComparison.Ordinal)
            .Replace("remote_media_cache_max_bytes: 1G", "remote_media_cache_max_bytes: 300M", StringComparison.Ordinal)
            .Replace("remote_media_cache_ttl: 30d", "remote_media_cache_ttl: 2h", StringComparison.Ordinal)
            .Replace("log_level: info", "log_level: DEBUG", StringComparison.Ordinal)
            .Replace("    per_second: 0.2", "    per_second: 5", StringComparison.Ordinal);
        File.WriteAllText(path, text);

        var config = ConfigLoader.Load(path).Config;

        Assert.True(config.EnableRegistration);
        Assert.Equal(2L * 1024 * 1024 * 1024, config.MaxUploadSize);
        Assert.Equal(300L * 1024 * 1024, config.RemoteMediaCacheMaxBytes);
        Assert.Equal(TimeSpan.FromHours(2), config.RemoteMediaCacheTtl);
        Assert.Equal(LogLevel.Debug, config.LogLevel);
        Assert.Equal(5, config.RateLimiting.Message.PerSecond);
    }

    [Fact]
    public void Unknown_keys_are_warnings_with_their_full_path()
    {
        var result = Parse("""
            server_name: example.org
            frobnicate: true
            listeners:
              - port: 8008
                colour: blue
            presence:
              enabled: false
              sparkle: 1
            """);

        Assert.Equal(3, result.Warnings.Count);
        Assert.Contains(result.Warnings, w => w.StartsWith("frobnicate:", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.StartsWith("listeners[0].colour:", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.StartsWith("presence.sparkle:", StringComparison.Ordinal));
        Assert.False(result.Config.PresenceEnabled);
    }

    [Fact]
    public void Invalid_values_are_all_reported_with_their_keys()
    {
        var e = Assert.Throws<ConfigException>(() => Parse("""
            server_name: "not a server name"
            public_baseurl: "ftp://example.org"
            listeners:
              - port: 70000
                bind_addresses: ["localhost"]
            database:
              name: mysql
            max_upload_size: "ten megabytes"
            enable_registration: maybe
            rate_limiting:
              rc_login:
                per_second: -1
            ip_range_blacklist: ["10.0.0.0/33"]
            log_level: loud
            """));

        foreach (var key in new[] { "server_name", "public_baseurl", "listeners[0].port", "listeners[0].bind_addresses", "database.name",
                     "max_upload_size", "enable_registration", "rate_limiting.rc_login.per_second", "ip_range_blacklist", "log_level" })
        {
            Assert.Contains(key + ":", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Media_create_rate_limit_is_read_with_synapse_key_and_defaults()
    {
        var defaults = Parse("server_name: example.org").Config.RateLimiting.MediaCreate;
        Assert.Equal(new RateLimitConfig(10, 50), defaults);
        var set = Parse("""
            server_name: example.org
            rate_limiting:
              rc_media_create:
                per_second: 0.5
                burst_count: 4
            """).Config.RateLimiting.MediaCreate;
        Assert.Equal(new RateLimitConfig(0.5, 4), set);
    }

    [Fact]
    public void Missing_server_name_is_an_error()
    {
        var e = Assert.Throws<ConfigException>(() => Parse("enable_registration: true"));

        Assert.Contains("server_name: is required", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("- just\n- a list")]
    [InlineData("server_name: [unclosed")]
    public void Empty_non_mapping_or_broken_yaml_is_an_error(string yaml)
    {
        Assert.Throws<ConfigException>(() => Parse(yaml));
    }

    [Fact]
    public void Postgres_args_become_an_npgsql_connection_string()
    {
        var config = Parse("""
            server_name: example.org
            database:
              name: psycopg2
              args:
                user: synapse_user
                password: "p;w=d"
                database: synapse
                host: db.internal
                port: 5433
                cp_min: 2
                cp_max: 20
            """).Config;

        Assert.Equal(DatabaseEngine.Postgres, config.Database.Engine);
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(config.Database.PostgresConnectionString);
        Assert.Equal("synapse_user", builder.Username);
        Assert.Equal("p;w=d", builder.Password);
        Assert.Equal("synapse", builder.Database);
        Assert.Equal("db.internal", builder.Host);
        Assert.Equal(5433, builder.Port);
        Assert.Equal(2, builder.MinPoolSize);
        Assert.Equal(20, builder.MaxPoolSize);
    }

    [Fact]
    public void Relative_paths_resolve_against_the_config_directory()
    {
        var config = Parse("""
            server_name: example.org
            signing_key_path: keys/signing.key
            media_store_path: /srv/media
            database:
              name: sqlite3
              args:
                database: db/homeserver.db
            app_service_config_files: [bridges/irc.yaml]
            """).Config;

        Assert.Equal(Path.Combine(_dir, "keys", "signing.key"), config.SigningKeyPath);
        Assert.Equal("/srv/media", config.MediaStorePath);
        Assert.Equal(Path.Combine(_dir, "db", "homeserver.db"), config.Database.SqlitePath);
        Assert.Equal([Path.Combine(_dir, "bridges", "irc.yaml")], config.AppServiceConfigFiles);
    }

    [Fact]
    public void Listener_settings_and_synapse_defaults()
    {
        var config = Parse("""
            server_name: example.org:8448
            listeners:
              - port: 8008
                bind_addresses: ['::', '0.0.0.0']
                x_forwarded: true
                resources:
                  - names: [client]
              - port: 9000
                type: metrics
            ip_range_whitelist: ["192.168.1.5"]
            shutdown_timeout: 5s
            """).Config;

        Assert.Equal(new Uri("https://example.org:8448/"), config.PublicBaseUrl);
        Assert.Equal(2, config.Listeners.Count);
        Assert.Equal([IPAddress.IPv6Any, IPAddress.Any], config.Listeners[0].BindAddresses);
        Assert.True(config.Listeners[0].XForwarded);
        Assert.True(config.Listeners[0].Serves("client"));
        Assert.False(config.Listeners[0].Serves("federation"));
        Assert.True(config.Listeners[1].Serves("metrics"));
        Assert.False(config.Listeners[1].Serves("client"));
        Assert.Equal(IPNetwork.Parse("192.168.1.5/32"), config.IpRangeWhitelist.Single());
        Assert.Equal(TimeSpan.FromSeconds(5), config.ShutdownTimeout);
    }

    [Fact]
    public void Tls_listener_requires_certificate_paths()
    {
        var e = Assert.Throws<ConfigException>(() => Parse("""
            server_name: example.org
            listeners:
              - port: 8448
                tls: true
            """));

        Assert.Contains("tls_certificate_path", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void First_run_bootstrap_generates_config_and_key_once()
    {
        string configPath = ConfigBootstrap.ResolveConfigPath(null, _dir);

        var first = ConfigBootstrap.LoadOrGenerate(configPath, _dir);
        var second = ConfigBootstrap.LoadOrGenerate(configPath, _dir);

        Assert.NotNull(first.Generated);
        Assert.True(first.SigningKeyCreated);
        Assert.Equal(Path.Combine(_dir, "homeserver.yaml"), first.Generated.ConfigPath);
        Assert.Equal("localhost", first.Config.ServerName.Value);
        Assert.Null(second.Generated);
        Assert.False(second.SigningKeyCreated);
    }

    [Fact]
    public void Data_directory_comes_from_the_option_then_the_environment_then_dot_data()
    {
        string? saved = Environment.GetEnvironmentVariable(ConfigBootstrap.DataDirEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(ConfigBootstrap.DataDirEnvironmentVariable, "/srv/from-env");
            Assert.Equal(Path.GetFullPath("/srv/explicit"), ConfigBootstrap.ResolveDataDirectory("/srv/explicit"));
            Assert.Equal(Path.GetFullPath("/srv/from-env"), ConfigBootstrap.ResolveDataDirectory(null));
            Environment.SetEnvironmentVariable(ConfigBootstrap.DataDirEnvironmentVariable, null);
            Assert.Equal(Path.GetFullPath("data"), ConfigBootstrap.ResolveDataDirectory(null));
            Assert.Equal(Path.Combine(Path.GetFullPath("data"), "homeserver.yaml"), ConfigBootstrap.ResolveConfigPath(null, Path.GetFullPath("data")));
        }
        finally
        {
            Environment.SetEnvironmentVariable(ConfigBootstrap.DataDirEnvironmentVariable, saved);
        }
    }

    [Theory]
    [InlineData("1048576", 1048576L)]
    [InlineData("512K", 512L * 1024)]
    [InlineData("50M", 50L * 1024 * 1024)]
    [InlineData("1g", 1024L * 1024 * 1024)]
    public void Sizes_use_synapse_notation(string text, long bytes)
    {
        Assert.True(YamlSection.TryParseSize(text, out long parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-5M")]
    [InlineData("5X")]
    [InlineData("99999999999T")]
    public void Invalid_sizes_are_rejected(string text) => Assert.False(YamlSection.TryParseSize(text, out _));
}
