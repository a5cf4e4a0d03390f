using System.Net;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Identifiers;
using Npgsql;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Myelin.Server.Configuration;

/// <summary>
/// Reads the YAML configuration file into a <see cref="MyelinConfig"/>. Relative paths are resolved against the
/// file's directory. Unknown keys are warnings; invalid values are collected into one <see cref="ConfigException"/>.
/// </summary>
public static partial class ConfigLoader
{
    public static ConfigLoadResult Load(string path)
    {
        string fullPath = Path.GetFullPath(path);
        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"Cannot read configuration file {fullPath}: {e.Message}", e);
        }
        var result = Parse(text, Path.GetDirectoryName(fullPath)!, fullPath);
        return result with { Config = result.Config with { ConfigPath = fullPath } };
    }

    /// <summary>Parses YAML text; relative paths in it are resolved against <paramref name="baseDirectory"/>.</summary>
    public static ConfigLoadResult Parse(string yaml, string baseDirectory, string sourceName = "configuration")
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{sourceName} is not valid YAML (line {e.Start.Line}, column {e.Start.Column}): {e.InnerException?.Message ?? e.Message}", e);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode rootNode)
        {
            throw new ConfigException($"{sourceName} must be a YAML mapping of configuration keys (it is empty or not key: value pairs).");
        }

        var problems = new YamlConfigProblems();
        var root = new YamlSection(rootNode, "", problems);
        var config = Read(root, Path.GetFullPath(baseDirectory));
        foreach (var section in problems.Sections)
        {
            section.WarnUnknownKeys();
        }
        if (problems.Errors.Count > 0 || config is null)
        {
            throw new ConfigException($"Invalid configuration in {sourceName}:" + string.Concat(problems.Errors.Select(e => "\n  - " + e)));
        }
        return new ConfigLoadResult(config, problems.Warnings);
    }

    private static MyelinConfig? Read(YamlSection root, string baseDirectory)
    {
        string ResolvePath(string p) => Path.GetFullPath(p, baseDirectory);

        ServerName serverName = default;
        string? serverNameText = root.String("server_name");
        if (serverNameText is null)
        {
            root.Error("server_name", "is required (the domain in your user IDs, e.g. example.com)");
        }
        else if (!ServerName.TryParse(serverNameText, out serverName))
        {
            root.Error("server_name", $"'{serverNameText}' is not a valid server name (a DNS name or IP literal, optionally with :port)");
        }

        Uri? publicBaseUrl = null;
        string? baseUrlText = root.String("public_baseurl");
        if (baseUrlText is not null)
        {
            if (!Uri.TryCreate(baseUrlText, UriKind.Absolute, out publicBaseUrl) || publicBaseUrl.Scheme is not ("http" or "https"))
            {
                root.Error("public_baseurl", $"'{baseUrlText}' is not an absolute http or https URL");
                publicBaseUrl = null;
            }
            else if (!publicBaseUrl.AbsoluteUri.EndsWith('/'))
            {
                publicBaseUrl = new Uri(publicBaseUrl.AbsoluteUri + "/");
            }
        }
        else if (serverNameText is not null && serverName.Value.Length > 0)
        {
            // Synapse's default: https://<server_name>/.
            publicBaseUrl = new Uri($"https://{serverName.Value}/");
        }

        var listeners = ReadListeners(root);
        var database = ReadDatabase(root, ResolvePath);
        string signingKeyPath = ResolvePath(root.StringOr("signing_key_path", $"{serverNameText ?? "homeserver"}.signing.key"));
        string? tlsCertificate = root.String("tls_certificate_path") is { } cert ? ResolvePath(cert) : null;
        string? tlsKey = root.String("tls_private_key_path") is { } key ? ResolvePath(key) : null;
        if (listeners.Any(l => l.Tls) && (tlsCertificate is null || tlsKey is null))
        {
            root.Error("listeners", "a listener has tls: true, so tls_certificate_path and tls_private_key_path must both be set");
        }

        var rateLimiting = ReadRateLimiting(root);
        var presence = root.Section("presence");

        long maxUpload = root.Size("max_upload_size", 50L * 1024 * 1024);
        long maxRequestBody = root.Size("max_request_body_size", 10L * 1024 * 1024);
        if (maxRequestBody < 1024)
        {
            root.Error("max_request_body_size", "must be at least 1K");
        }

        var trustedKeyServers = ReadTrustedKeyServers(root);
        var blacklist = ReadNetworks(root, "ip_range_blacklist") ?? MyelinConfig.DefaultIpRangeBlacklist;
        var whitelist = ReadNetworks(root, "ip_range_whitelist") ?? [];

        bool reportStats = root.Bool("report_stats", false);
        if (reportStats)
        {
            root.Warn("report_stats", "Myelin never reports usage statistics; the setting has no effect");
        }

        var (logLevel, logFormat) = (ReadLogLevel(root), ReadLogFormat(root));

        // Every key is read before deciding, so one run reports every invalid value.
        bool serveServerWellKnown = root.Bool("serve_server_wellknown", false);
        bool enableRegistration = root.Bool("enable_registration", false);
        bool registrationRequiresToken = root.Bool("registration_requires_token", false);
        string? registrationSharedSecret = root.String("registration_shared_secret");
        bool allowGuestAccess = root.Bool("allow_guest_access", false);
        string mediaStorePath = ResolvePath(root.StringOr("media_store_path", "media_store"));
        bool legacyMediaEnabled = root.Bool("legacy_media_enabled", true);
        long remoteMediaCacheMaxBytes = root.Size("remote_media_cache_max_bytes", 1024L * 1024 * 1024);
        var remoteMediaCacheTtl = root.Duration("remote_media_cache_ttl", TimeSpan.FromDays(30));
        if (remoteMediaCacheTtl <= TimeSpan.Zero)
        {
            root.Error("remote_media_cache_ttl", "must be positive");
        }
        var urlPreview = ReadUrlPreview(root);
        var appServiceConfigFiles = (root.StringList("app_service_config_files") ?? []).Select(ResolvePath).ToList();
        var federationCustomCaList = (root.StringList("federation_custom_ca_list") ?? []).Select(ResolvePath).ToList();
        var federationDomainWhitelist = root.StringList("federation_domain_whitelist");
        bool presenceEnabled = presence?.Bool("enabled", true) ?? true;
        var shutdownTimeout = root.Duration("shutdown_timeout", TimeSpan.FromSeconds(30));
        var support = ReadSupport(root);
        var turn = new TurnConfig
        {
            Uris = root.StringList("turn_uris") ?? [],
            SharedSecret = root.String("turn_shared_secret"),
            Username = root.String("turn_username"),
            Password = root.String("turn_password"),
            UserLifetime = root.Duration("turn_user_lifetime", TimeSpan.FromHours(1)),
            AllowGuests = root.Bool("turn_allow_guests", true),
        };

        var push = ReadPush(root);
        var federation = ReadFederation(root);

        if (publicBaseUrl is null || database is null || serverNameText is null)
        {
            return null;
        }

        return new MyelinConfig
        {
            ServerName = serverName,
            PublicBaseUrl = publicBaseUrl,
            ServeServerWellKnown = serveServerWellKnown,
            Listeners = listeners,
            Database = database,
            SigningKeyPath = signingKeyPath,
            TlsCertificatePath = tlsCertificate,
            TlsPrivateKeyPath = tlsKey,
            EnableRegistration = enableRegistration,
            RegistrationRequiresToken = registrationRequiresToken,
            RegistrationSharedSecret = registrationSharedSecret,
            AllowGuestAccess = allowGuestAccess,
            RateLimiting = rateLimiting,
            MaxUploadSize = maxUpload,
            MaxRequestBodySize = maxRequestBody,
            MediaStorePath = mediaStorePath,
            LegacyMediaEnabled = legacyMediaEnabled,
            RemoteMediaCacheMaxBytes = remoteMediaCacheMaxBytes,
            RemoteMediaCacheTtl = remoteMediaCacheTtl,
            AppServiceConfigFiles = appServiceConfigFiles,
            TrustedKeyServers = trustedKeyServers,
            FederationCustomCaList = federationCustomCaList,
            IpRangeBlacklist = blacklist,
            IpRangeWhitelist = whitelist,
            FederationDomainWhitelist = federationDomainWhitelist,
            PresenceEnabled = presenceEnabled,
            LogLevel = logLevel,
            LogFormat = logFormat,
            ReportStats = reportStats,
            ShutdownTimeout = shutdownTimeout,
            Support = support,
            Turn = turn,
            Push = push,
            Federation = federation,
            UrlPreview = urlPreview,
        };
    }

    /// <summary>
    /// Synapse's top-level <c>url_preview_*</c> and <c>max_spider_size</c> keys. Unlike Synapse, an enabled server
    /// without <c>url_preview_ip_range_blacklist</c> gets the default private ranges instead of refusing to start;
    /// an explicitly empty blacklist is refused, as it would let any user reach the server's network.
    /// </summary>
    private static UrlPreviewConfig ReadUrlPreview(YamlSection root)
    {
        var defaults = new UrlPreviewConfig();
        bool enabled = root.Bool("url_preview_enabled", false);
        var blacklist = ReadNetworks(root, "url_preview_ip_range_blacklist");
        var whitelist = ReadNetworks(root, "url_preview_ip_range_whitelist") ?? [];
        if (enabled && blacklist is { Count: 0 } && root.Has("url_preview_ip_range_blacklist"))
        {
            root.Error("url_preview_ip_range_blacklist",
                "must not be empty when url_preview_enabled is true (any user could make the server fetch from its own network); "
                + "omit it for the default private and reserved ranges, and list exceptions in url_preview_ip_range_whitelist");
        }
        var rules = new List<UrlPreviewUrlRule>();
        var ruleSections = root.SectionList("url_preview_url_blacklist") ?? [];
        for (int i = 0; i < ruleSections.Count; i++)
        {
            var rule = UrlPreviewUrlRule.TryCreate(ruleSections[i].StringMap(), out string? error);
            if (rule is null)
            {
                root.Error($"url_preview_url_blacklist[{i}]", error!);
            }
            else
            {
                rules.Add(rule);
            }
        }
        long maxSpiderSize = root.Size("max_spider_size", defaults.MaxSpiderSize);
        if (maxSpiderSize < 1024)
        {
            root.Error("max_spider_size", "must be at least 1K");
        }
        var languages = root.StringList("url_preview_accept_language") ?? defaults.AcceptLanguage;
        foreach (string language in languages)
        {
            if (!AcceptLanguagePattern().IsMatch(language))
            {
                root.Error("url_preview_accept_language", $"'{language}' is not a language range such as en, en-US or fr;q=0.8");
            }
        }
        return new UrlPreviewConfig
        {
            Enabled = enabled,
            IpRangeBlacklist = blacklist ?? UrlPreviewConfig.DefaultIpRangeBlacklist,
            IpRangeWhitelist = whitelist,
            UrlBlacklist = rules,
            MaxSpiderSize = maxSpiderSize,
            AcceptLanguage = languages,
        };
    }

    // RFC 9110 "Accept-Language": a language range, optionally weighted.
    [System.Text.RegularExpressions.GeneratedRegex(@"^(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)(\s*;\s*q=(0(\.[0-9]{0,3})?|1(\.0{0,3})?))?$")]
    private static partial System.Text.RegularExpressions.Regex AcceptLanguagePattern();

    /// <summary><c>push: {enabled, include_content, initial_backoff, max_backoff, give_up_after, request_timeout, notification_retention}</c>.</summary>
    private static PushConfig ReadPush(YamlSection root)
    {
        var section = root.Section("push");
        if (section is null)
        {
            return new PushConfig();
        }
        var defaults = new PushConfig();
        return new PushConfig
        {
            Enabled = section.Bool("enabled", defaults.Enabled),
            IncludeContent = section.Bool("include_content", defaults.IncludeContent),
            InitialBackoff = section.Duration("initial_backoff", defaults.InitialBackoff),
            MaxBackoff = section.Duration("max_backoff", defaults.MaxBackoff),
            GiveUpAfter = section.Duration("give_up_after", defaults.GiveUpAfter),
            RequestTimeout = section.Duration("request_timeout", defaults.RequestTimeout),
            NotificationRetention = section.Duration("notification_retention", defaults.NotificationRetention),
        };
    }

    /// <summary>
    /// <c>key_refresh_interval</c> (Synapse's name) and <c>federation: {client_timeout, destination_min_retry_interval,
    /// destination_max_retry_interval, max_response_size, catch_up_threshold}</c> (the first three as in Synapse's
    /// <c>federation:</c> section).
    /// </summary>
    private static Federation.FederationOptions ReadFederation(YamlSection root)
    {
        var defaults = new Federation.FederationOptions();
        var keyValidity = root.Duration("key_refresh_interval", defaults.KeyValidityPeriod);
        if (keyValidity <= TimeSpan.Zero)
        {
            root.Error("key_refresh_interval", "must be positive");
        }
        else if (keyValidity < TimeSpan.FromHours(1))
        {
            // spec: keys_server.yaml "Originating servers should avoid returning responses that expire in less than an hour".
            root.Warn("key_refresh_interval", "is under an hour; the spec asks servers not to publish keys that expire that soon");
        }
        var section = root.Section("federation");
        if (section is null)
        {
            return defaults with { KeyValidityPeriod = keyValidity };
        }
        var timeout = section.Duration("client_timeout", defaults.RequestTimeout);
        var retryMin = section.Duration("destination_min_retry_interval", defaults.OutboundRetryInitial);
        var retryMax = section.Duration("destination_max_retry_interval", defaults.OutboundRetryMax);
        long maxResponse = section.Size("max_response_size", defaults.MaxResponseSize);
        int catchUp = section.Int("catch_up_threshold", defaults.OutboundCatchUpThreshold, 0, 1_000_000);
        foreach (var (key, value) in new[] { ("client_timeout", timeout), ("destination_min_retry_interval", retryMin), ("destination_max_retry_interval", retryMax) })
        {
            if (value <= TimeSpan.Zero)
            {
                section.Error(key, "must be positive");
            }
        }
        if (retryMin > retryMax)
        {
            section.Error("destination_min_retry_interval", "must not be longer than destination_max_retry_interval");
        }
        if (maxResponse < 64 * 1024)
        {
            section.Error("max_response_size", "must be at least 64K (a send_join answer alone is often larger)");
        }
        return defaults with
        {
            KeyValidityPeriod = keyValidity,
            RequestTimeout = timeout,
            OutboundRetryInitial = retryMin,
            OutboundRetryMax = retryMax,
            MaxResponseSize = maxResponse,
            OutboundCatchUpThreshold = catchUp,
        };
    }

    /// <summary>
    /// <c>support: {support_page, contacts: [{role, matrix_id, email_address}]}</c>. spec: support.yaml requires at least
    /// one of contacts/support_page, and a role plus matrix_id or email_address per contact.
    /// </summary>
    private static SupportConfig? ReadSupport(YamlSection root)
    {
        var section = root.Section("support");
        if (section is null)
        {
            return null;
        }
        string? page = section.String("support_page");
        var contacts = new List<SupportContact>();
        var list = section.SectionList("contacts") ?? [];
        for (int i = 0; i < list.Count; i++)
        {
            var contact = list[i];
            string? role = contact.String("role");
            string? matrixId = contact.String("matrix_id");
            string? email = contact.String("email_address");
            if (role is null)
            {
                contact.Error("role", "is required (e.g. m.role.admin or m.role.security)");
            }
            if (matrixId is not null && !Myelin.Protocol.Identifiers.UserId.TryParse(matrixId, out _))
            {
                contact.Error("matrix_id", $"'{matrixId}' is not a Matrix user ID");
            }
            if (matrixId is null && email is null)
            {
                contact.Error("matrix_id", "a contact needs matrix_id or email_address");
            }
            if (role is not null)
            {
                contacts.Add(new SupportContact(role, matrixId, email));
            }
        }
        if (page is null && list.Count == 0)
        {
            section.Error("contacts", "support needs contacts or support_page");
        }
        return new SupportConfig { Contacts = contacts, SupportPage = page };
    }

    private static List<ListenerConfig> ReadListeners(YamlSection root)
    {
        var sections = root.SectionList("listeners");
        if (sections is null)
        {
            return [new ListenerConfig()];
        }
        if (sections.Count == 0)
        {
            root.Error("listeners", "must contain at least one listener");
        }
        var listeners = new List<ListenerConfig>();
        foreach (var section in sections)
        {
            int port = section.Int("port", 8008, 0, 65535);
            string type = section.StringOr("type", "http");
            if (type is not ("http" or "metrics"))
            {
                section.Error("type", $"'{type}' is not supported; use http or metrics");
            }
            var addresses = new List<IPAddress>();
            foreach (string text in section.StringList("bind_addresses") ?? ["127.0.0.1"])
            {
                if (IPAddress.TryParse(text, out var address))
                {
                    addresses.Add(address);
                }
                else
                {
                    section.Error("bind_addresses", $"'{text}' is not an IP address");
                }
            }
            if (addresses.Count == 0 && section.Has("bind_addresses"))
            {
                section.Error("bind_addresses", "must list at least one address");
            }
            var resources = new HashSet<string>(StringComparer.Ordinal);
            var resourceSections = section.SectionList("resources");
            foreach (var resource in resourceSections ?? [])
            {
                foreach (string name in resource.StringList("names") ?? [])
                {
                    if (ListenerResources.All.Contains(name))
                    {
                        resources.Add(name);
                    }
                    else
                    {
                        resource.Warn("names", $"unknown resource '{name}', ignored (known: {string.Join(", ", ListenerResources.All)})");
                    }
                }
                // Compression is left to a reverse proxy; the key is accepted for Synapse compatibility.
                resource.Bool("compress", false);
            }
            if (resourceSections is null)
            {
                resources.Add(ListenerResources.Client);
                resources.Add(ListenerResources.Federation);
            }
            listeners.Add(new ListenerConfig
            {
                Port = port,
                Type = type,
                BindAddresses = addresses.Count > 0 ? addresses : [IPAddress.Loopback],
                Tls = section.Bool("tls", false),
                XForwarded = section.Bool("x_forwarded", false),
                Resources = resources,
            });
        }
        return listeners;
    }

    private static DatabaseConfig? ReadDatabase(YamlSection root, Func<string, string> resolvePath)
    {
        var section = root.Section("database");
        if (section is null)
        {
            return DatabaseConfig.Sqlite(resolvePath("homeserver.db"));
        }
        string name = section.StringOr("name", "sqlite3");
        var args = section.Section("args");
        switch (name)
        {
            case "sqlite3" or "sqlite":
                return DatabaseConfig.Sqlite(resolvePath(args?.String("database") ?? "homeserver.db"));
            case "psycopg2" or "postgres" or "postgresql":
                if (args is null)
                {
                    section.Error("args", "is required for psycopg2 (user, password, database, host, port)");
                    return null;
                }
                return DatabaseConfig.Postgres(ReadPostgresConnectionString(args));
            default:
                section.Error("name", $"'{name}' is not supported; use sqlite3 or psycopg2 (PostgreSQL)");
                return null;
        }
    }

    private static string ReadPostgresConnectionString(YamlSection args)
    {
        var builder = new NpgsqlConnectionStringBuilder();
        if (args.String("connection_string") is { } connectionString)
        {
            try
            {
                builder.ConnectionString = connectionString;
            }
            catch (ArgumentException e)
            {
                args.Error("connection_string", e.Message);
            }
        }
        if (args.String("user") is { } user)
        {
            builder.Username = user;
        }
        if (args.String("password") is { } password)
        {
            builder.Password = password;
        }
        if ((args.String("database") ?? args.String("dbname")) is { } database)
        {
            builder.Database = database;
        }
        if (args.String("host") is { } host)
        {
            builder.Host = host;
        }
        if (args.Has("port"))
        {
            builder.Port = args.Int("port", 5432, 1, 65535);
        }
        if (args.Has("cp_min"))
        {
            builder.MinPoolSize = args.Int("cp_min", 5, 0, 10_000);
        }
        if (args.Has("cp_max"))
        {
            builder.MaxPoolSize = args.Int("cp_max", 10, 1, 10_000);
        }
        if (args.String("sslmode") is { } sslMode)
        {
            if (Enum.TryParse<SslMode>(sslMode, ignoreCase: true, out var mode))
            {
                builder.SslMode = mode;
            }
            else
            {
                args.Error("sslmode", $"'{sslMode}' is not one of disable, allow, prefer, require, verify-ca, verify-full");
            }
        }
        if (string.IsNullOrEmpty(builder.Host))
        {
            builder.Host = "localhost";
        }
        return builder.ConnectionString;
    }

    private static RateLimitingConfig ReadRateLimiting(YamlSection root)
    {
        var defaults = new RateLimitingConfig();
        var section = root.Section("rate_limiting");
        if (section is null)
        {
            return defaults;
        }
        return new RateLimitingConfig
        {
            Enabled = section.Bool("enabled", true),
            Message = ReadBucket(section, "rc_message", defaults.Message),
            Login = ReadBucket(section, "rc_login", defaults.Login),
            Registration = ReadBucket(section, "rc_registration", defaults.Registration),
            MediaCreate = ReadBucket(section, "rc_media_create", defaults.MediaCreate),
            Federation = ReadFederationLimit(section, defaults.Federation),
        };
    }

    /// <summary><c>rate_limiting.rc_federation: {window_size, sleep_limit, sleep_delay, reject_limit, concurrent}</c> (Synapse's keys).</summary>
    private static FederationRateLimitConfig ReadFederationLimit(YamlSection parent, FederationRateLimitConfig fallback)
    {
        var section = parent.Section("rc_federation");
        if (section is null)
        {
            return fallback;
        }
        var window = section.Duration("window_size", fallback.WindowSize);
        var sleepDelay = section.Duration("sleep_delay", fallback.SleepDelay);
        if (window <= TimeSpan.Zero)
        {
            section.Error("window_size", "must be positive");
        }
        if (sleepDelay < TimeSpan.Zero)
        {
            section.Error("sleep_delay", "must not be negative");
        }
        return new FederationRateLimitConfig
        {
            WindowSize = window,
            SleepLimit = section.Int("sleep_limit", fallback.SleepLimit, 1, 1_000_000),
            SleepDelay = sleepDelay,
            RejectLimit = section.Int("reject_limit", fallback.RejectLimit, 0, 1_000_000),
            Concurrent = section.Int("concurrent", fallback.Concurrent, 1, 10_000),
        };
    }

    private static RateLimitConfig ReadBucket(YamlSection parent, string key, RateLimitConfig fallback)
    {
        var section = parent.Section(key);
        if (section is null)
        {
            return fallback;
        }
        return new RateLimitConfig(section.PositiveNumber("per_second", fallback.PerSecond), section.PositiveNumber("burst_count", fallback.BurstCount));
    }

    private static List<TrustedKeyServer> ReadTrustedKeyServers(YamlSection root)
    {
        var sections = root.SectionList("trusted_key_servers");
        if (sections is null)
        {
            return [new TrustedKeyServer("matrix.org", new Dictionary<string, string>())];
        }
        var servers = new List<TrustedKeyServer>();
        foreach (var section in sections)
        {
            string? name = section.String("server_name");
            if (name is null || !ServerName.TryParse(name, out _))
            {
                section.Error("server_name", name is null ? "is required" : $"'{name}' is not a valid server name");
                continue;
            }
            var verifyKeys = section.Section("verify_keys")?.StringMap() ?? new Dictionary<string, string>();
            servers.Add(new TrustedKeyServer(name, verifyKeys, section.Bool("accept_keys_insecurely", false)));
        }
        return servers;
    }

    private static List<IPNetwork>? ReadNetworks(YamlSection root, string key)
    {
        var texts = root.StringList(key);
        if (texts is null)
        {
            return null;
        }
        var networks = new List<IPNetwork>();
        foreach (string text in texts)
        {
            // A bare address means just that address.
            string cidr = text.Contains('/', StringComparison.Ordinal) ? text
                : IPAddress.TryParse(text, out var single) ? $"{text}/{(single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)}" : text;
            if (IPNetwork.TryParse(cidr, out var network))
            {
                networks.Add(network);
            }
            else
            {
                root.Error(key, $"'{text}' is not an IP range in CIDR notation (e.g. 10.0.0.0/8)");
            }
        }
        return networks;
    }

    private static LogLevel ReadLogLevel(YamlSection root)
    {
        string? text = root.String("log_level");
        switch (text?.ToLowerInvariant())
        {
            case null:
                return LogLevel.Information;
            case "trace":
                return LogLevel.Trace;
            case "debug":
                return LogLevel.Debug;
            case "info" or "information":
                return LogLevel.Information;
            case "warn" or "warning":
                return LogLevel.Warning;
            case "error":
                return LogLevel.Error;
            case "critical":
                return LogLevel.Critical;
            default:
                root.Error("log_level", $"'{text}' is not one of trace, debug, info, warning, error, critical");
                return LogLevel.Information;
        }
    }

    private static LogFormat ReadLogFormat(YamlSection root)
    {
        string? text = root.String("log_format");
        switch (text?.ToLowerInvariant())
        {
            case null or "text":
                return LogFormat.Text;
            case "json":
                return LogFormat.Json;
            default:
                root.Error("log_format", $"'{text}' is not one of text, json");
                return LogFormat.Text;
        }
    }
}
