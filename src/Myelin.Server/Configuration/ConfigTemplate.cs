using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Configuration;

/// <summary>
/// Writes a new, fully commented configuration file: every option, what it does and its default.
/// Paths inside the data directory are written relative to the config file so the directory can be moved.
/// </summary>
public static class ConfigTemplate
{
    public static string Render(ServerName serverName, string configPath, string dataDirectory, int port = 8008)
    {
        string configDirectory = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
        string data = Path.GetFullPath(dataDirectory);
        string PathFor(string name) => Quote(Relative(configDirectory, Path.Combine(data, name)));
        string host = serverName.Value.StartsWith('[') || !serverName.Value.Contains(':', StringComparison.Ordinal) ? serverName.Value : serverName.Value[..serverName.Value.LastIndexOf(':')];
        string publicBaseUrl = string.Create(CultureInfo.InvariantCulture, $"http://{(host == "localhost" || host == "127.0.0.1" ? host : "localhost")}:{port}/");
        string secret = RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 48);

        var text = new StringBuilder(Template)
            .Replace("{{server_name}}", Quote(serverName.Value))
            .Replace("{{public_baseurl}}", Quote(publicBaseUrl))
            .Replace("{{port}}", port.ToString(CultureInfo.InvariantCulture))
            .Replace("{{database}}", PathFor("homeserver.db"))
            .Replace("{{signing_key_path}}", PathFor("homeserver.signing.key"))
            .Replace("{{media_store_path}}", PathFor("media_store"))
            .Replace("{{registration_shared_secret}}", Quote(secret));
        return text.ToString();
    }

    private static string Relative(string from, string to)
    {
        string relative = Path.GetRelativePath(from, to);
        return relative.StartsWith("..", StringComparison.Ordinal) ? to : relative;
    }

    /// <summary>A YAML double-quoted scalar.</summary>
    internal static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private const string Template = """
        # Myelin homeserver configuration.
        #
        # Generated on first start; edit it and restart the server. Every option is listed with its
        # default. Keys follow Synapse's names where the concept is the same. Relative paths are resolved
        # against the directory this file is in. Full reference: docs/configuration.md.

        ## Server ##

        # The domain part of every user ID and room alias on this server (@alice:<server_name>).
        # It cannot be changed once users exist.
        server_name: {{server_name}}

        # The URL clients use to reach this server (advertised in /.well-known/matrix/client).
        # Set it to your public https URL when the server is behind a reverse proxy.
        # Default: https://<server_name>/
        public_baseurl: {{public_baseurl}}

        # Answer /.well-known/matrix/server, telling other servers to federate with port 443 of
        # public_baseurl's host instead of port 8448 of server_name. Default: false
        serve_server_wellknown: false

        # Where the server listens. Each listener has:
        #   port:           TCP port (0 picks a free one). Default: 8008
        #   bind_addresses: IP addresses to bind; use ['::', '0.0.0.0'] for all interfaces. Default: ['127.0.0.1']
        #   type:           http, or metrics for a listener that serves only /metrics. Default: http
        #   tls:            serve HTTPS with tls_certificate_path / tls_private_key_path. Default: false
        #   x_forwarded:    trust X-Forwarded-For from a reverse proxy for the client's address. Default: false
        #   resources:      which APIs this listener serves; names are client (client-server API, media,
        #                   /.well-known), federation (server-server API, keys, media), keys, media, metrics
        #                   (Prometheus at /metrics). /health is served everywhere. Default: client, federation
        # Remove metrics from a listener that is reachable from the internet.
        listeners:
          - port: {{port}}
            bind_addresses: ['127.0.0.1']
            type: http
            tls: false
            x_forwarded: false
            resources:
              - names: [client, federation, metrics]
                compress: false

        # PEM certificate chain and private key for listeners with tls: true. Default: none
        #tls_certificate_path: "/etc/myelin/fullchain.pem"
        #tls_private_key_path: "/etc/myelin/privkey.pem"

        # How long a stopping server (SIGINT/SIGTERM) waits for in-flight requests and background
        # writes to finish. Durations: 30s, 5m, 1h, or a number of milliseconds. Default: 30s
        shutdown_timeout: 30s

        ## Database ##

        # sqlite3 (default; one file, no setup) or psycopg2 (PostgreSQL, for production):
        #
        #database:
        #  name: psycopg2
        #  args:
        #    user: myelin
        #    password: secret
        #    database: myelin
        #    host: localhost
        #    port: 5432
        #    cp_min: 5          # connection pool size, minimum
        #    cp_max: 10         # connection pool size, maximum
        #    #sslmode: prefer   # disable, allow, prefer, require, verify-ca, verify-full
        #    #connection_string: "Host=...;Username=..."  # an Npgsql connection string instead of the keys above
        database:
          name: sqlite3
          args:
            database: {{database}}

        ## Keys and storage ##

        # The server's Ed25519 signing key (Synapse format). Created on first start if missing.
        # Back it up: other servers remember it.
        signing_key_path: {{signing_key_path}}

        # Where uploaded media files are kept. Default: media_store next to this file
        media_store_path: {{media_store_path}}

        # Largest media upload. Sizes: bytes, or with K, M, G suffixes (powers of 1024). Default: 50M
        max_upload_size: 50M

        # Media fetched from other servers is cached: at most this many bytes in total (least recently used
        # dropped first), and an item unused for remote_media_cache_ttl is dropped. Defaults: 1G, 30d
        remote_media_cache_max_bytes: 1G
        remote_media_cache_ttl: 30d

        # Largest request body for every other endpoint; larger requests get 413 M_TOO_LARGE. Default: 10M
        max_request_body_size: 10M

        ## URL previews ##

        # Fetch web pages that users ask a preview of (GET /_matrix/client/v1/media/preview_url). The server
        # then connects wherever a user points it, so addresses in url_preview_ip_range_blacklist are never
        # contacted (checked on the address connected to, for every redirect). Default: false
        url_preview_enabled: false

        # Never fetch from these IP ranges. Default: the private, loopback, link-local, CGNAT, multicast and
        # reserved ranges of ip_range_blacklist, plus 0.0.0.0/8, 240.0.0.0/4 and ::/128 (docs/configuration.md).
        #url_preview_ip_range_blacklist: ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '::1/128', 'fc00::/7']

        # Exceptions to url_preview_ip_range_blacklist. Default: []
        #url_preview_ip_range_whitelist: ['192.168.1.20/32']

        # URLs never previewed: each entry maps URL parts (scheme, netloc, hostname, port, path, query, fragment,
        # username, password) to a glob, or to a regular expression if it starts with ^; a URL is blocked
        # when all parts of one entry match. Default: []
        #url_preview_url_blacklist:
        #  - netloc: "*.example.com"
        #  - scheme: "http"

        # Largest page or image downloaded for a preview. Default: 10M
        #max_spider_size: 10M

        # Accept-Language sent when fetching. Default: ["en"]
        #url_preview_accept_language: ["en-US", "en;q=0.9", "*;q=0.5"]

        ## Registration ##

        # Let anyone create an account through the client API. Default: false
        enable_registration: false

        # Require a registration token (created by an admin) to register. Default: false
        registration_requires_token: false

        # A shared secret that lets admin tools register users without enable_registration.
        # Keep it private. Default: none (shared-secret registration disabled)
        registration_shared_secret: {{registration_shared_secret}}

        # Let guests (accounts without credentials) use the server. Default: false
        allow_guest_access: false

        ## Rate limiting ##

        # Token buckets per user (or per client address before login): burst_count actions at once,
        # refilled at per_second. Exceeding one answers 429 M_LIMIT_EXCEEDED with retry_after_ms.
        rate_limiting:
          enabled: true
          rc_message:             # sending events
            per_second: 0.2
            burst_count: 10
          rc_login:               # login attempts, per address and per account
            per_second: 0.17
            burst_count: 3
          rc_registration:        # registrations, per address
            per_second: 0.17
            burst_count: 3
          rc_media_create:        # media uploads (and async upload slots), per user
            per_second: 10
            burst_count: 50
          rc_federation:          # inbound federation requests, per origin server
            window_size: 1s
            sleep_limit: 10       # requests per window before each waits sleep_delay
            sleep_delay: 500ms
            reject_limit: 50      # waiting requests before 429
            concurrent: 3         # processed at once

        ## Federation ##

        # Servers trusted to vouch for other servers' signing keys. Each entry: server_name, and
        # optionally verify_keys ({key_id: unpadded base64 public key}) and accept_keys_insecurely.
        # Default: matrix.org
        trusted_key_servers:
          - server_name: "matrix.org"

        # Extra certificate authorities (PEM files) trusted for outbound federation TLS. Default: []
        federation_custom_ca_list: []

        # If set, federate only with these servers. Default: federate with everyone
        #federation_domain_whitelist: ["example.com"]

        # Outbound requests (federation, push, URL previews) never go to these IP ranges.
        # Default: private, loopback, link-local and reserved ranges (listed in docs/configuration.md).
        #ip_range_blacklist: ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']

        # Exceptions to ip_range_blacklist. Default: []
        ip_range_whitelist: []

        # How long our published signing keys are valid. Default: 1d
        #key_refresh_interval: 1d

        # Outbound federation: request timeout, retry backoff bounds for an unreachable server, largest
        # accepted response, and how many queued PDUs make a server that was down catch up by
        # get_missing_events instead. Defaults: 30s, 2s, 1h, 16M, 1000
        #federation:
        #  client_timeout: 30s
        #  destination_min_retry_interval: 2s
        #  destination_max_retry_interval: 1h
        #  max_response_size: 16M
        #  catch_up_threshold: 1000

        ## Application services ##

        # Registration files (YAML) of application services (bridges, bots). Default: []
        app_service_config_files: []

        ## Presence ##

        presence:
          # Track and share online/offline status. Default: true
          enabled: true

        ## Push ##

        # Delivery of notifications to push gateways (see docs/push.md). Gateways on private addresses need an
        # ip_range_whitelist entry.
        # push:
        #   enabled: true
        #   # Send message content, sender display name and room name to the gateway. Default: true
        #   include_content: true
        #   # Retry a failed gateway after this, doubling up to max_backoff; drop after give_up_after.
        #   initial_backoff: 1s
        #   max_backoff: 1h
        #   give_up_after: 1d
        #   request_timeout: 15s
        #   # How long GET /notifications keeps its history. Default: 30d
        #   notification_retention: 30d

        ## VoIP ##

        # TURN servers for calls (GET /voip/turnServer). Without turn_uris clients get no TURN server.
        # turn_uris: ["turn:turn.example.org:3478?transport=udp", "turn:turn.example.org:3478?transport=tcp"]
        # Shared secret of the TURN server (coturn: static-auth-secret), for time-limited credentials ...
        # turn_shared_secret: "..."
        # ... or static credentials.
        # turn_username: "..."
        # turn_password: "..."
        # How long credentials are valid. Default: 1h
        # turn_user_lifetime: 1h
        # Whether guests may get credentials. Default: true
        # turn_allow_guests: true

        ## Logging and metrics ##

        # trace, debug, info, warning, error or critical. Default: info
        log_level: info

        # text (one line per event) or json (one JSON object per line). Default: text
        log_format: text

        # Accepted for Synapse compatibility. Myelin never sends usage statistics. Default: false
        report_stats: false

        """;
}
