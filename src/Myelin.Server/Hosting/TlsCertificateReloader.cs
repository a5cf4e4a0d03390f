using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Myelin.Server.Configuration;

namespace Myelin.Server.Hosting;

/// <summary>
/// The certificate the TLS listeners present, picked up again when <c>tls_certificate_path</c> or
/// <c>tls_private_key_path</c> change on disk (e.g. a renewal by certbot), without a restart. The files' timestamps
/// are checked at most once per <see cref="CheckInterval"/>, on a TLS handshake; a pair that does not load (a renewal
/// caught half-written, a key that does not match) keeps the previous certificate until the files are whole again.
/// Polling on handshakes rather than a file watcher: renewals usually swap symlinks, which watchers miss.
/// </summary>
public sealed partial class TlsCertificateReloader
{
    private readonly string _certificatePath;
    private readonly string? _keyPath;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private ILogger? _logger;
    private X509Certificate2 _current;
    private (DateTime Certificate, DateTime Key) _stamps;
    private long _nextCheck;
    private string? _lastError;

    public TlsCertificateReloader(MyelinConfig config, TimeSpan checkInterval, TimeProvider? time = null)
    {
        _certificatePath = config.TlsCertificatePath ?? throw new ConfigException("A TLS listener needs tls_certificate_path.");
        _keyPath = config.TlsPrivateKeyPath;
        _time = time ?? TimeProvider.System;
        CheckInterval = checkInterval;
        _stamps = Stamps();
        // At start a certificate that does not load is a configuration error, not something to wait out.
        _current = Load() ?? throw new ConfigException($"Cannot load the TLS certificate {_certificatePath} with key {_keyPath}: {_lastError}");
        _nextCheck = _time.GetTimestamp() + (long)(CheckInterval.TotalSeconds * _time.TimestampFrequency);
    }

    public TimeSpan CheckInterval { get; }

    /// <summary>Where reloads (and failed reloads) are logged, once the host's logging exists.</summary>
    public void UseLogger(ILogger logger) => _logger = logger;

    /// <summary>The certificate for the next handshake (Kestrel's <c>ServerCertificateSelector</c>).</summary>
    public X509Certificate2 Current
    {
        get
        {
            long now = _time.GetTimestamp();
            if (now < Volatile.Read(ref _nextCheck))
            {
                return _current;
            }
            lock (_gate)
            {
                if (now >= _nextCheck)
                {
                    _nextCheck = now + (long)(CheckInterval.TotalSeconds * _time.TimestampFrequency);
                    var stamps = Stamps();
                    if (stamps != _stamps && Load() is { } certificate)
                    {
                        _stamps = stamps;
                        _current = certificate;
                        if (_logger is not null)
                        {
                            LogReloaded(_logger, _certificatePath, certificate.Subject, certificate.NotAfter);
                        }
                    }
                    else if (stamps != _stamps && _logger is not null)
                    {
                        LogReloadFailed(_logger, _certificatePath, _lastError ?? "");
                    }
                }
                return _current;
            }
        }
    }

    private (DateTime, DateTime) Stamps() =>
        (File.GetLastWriteTimeUtc(_certificatePath), _keyPath is null ? default : File.GetLastWriteTimeUtc(_keyPath));

    private X509Certificate2? Load()
    {
        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(_certificatePath, _keyPath);
            _lastError = null;
            return certificate;
        }
        catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException or ArgumentException)
        {
            _lastError = e.Message;
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reloaded the TLS certificate {Path}: {Subject}, valid until {NotAfter:u}")]
    private static partial void LogReloaded(ILogger logger, string path, string subject, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The TLS certificate {Path} changed but does not load ({Error}); still serving the previous one")]
    private static partial void LogReloadFailed(ILogger logger, string path, string error);
}
