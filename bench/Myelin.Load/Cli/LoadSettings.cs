using System.Globalization;
using Myelin.Load.Users;

namespace Myelin.Load.Cli;

/// <summary>The options every scenario shares, with their hard caps. <see cref="Validate"/> lists every problem at once.</summary>
public sealed record LoadSettings
{
    public const double MaxDurationSeconds = 600;
    public const double MaxTimeLimitSeconds = 1800;
    public const long MaxRequestsCap = 20_000_000;
    public const int MaxConnectionsCap = 10_000;

    public string Url { get; init; } = "http://127.0.0.1:8008";
    public bool UrlGivenExplicitly { get; init; }
    public bool AllowRemote { get; init; }
    public RegistrationMode Registration { get; init; } = RegistrationMode.Open;
    public string? SharedSecret { get; init; }
    public string? UsersFile { get; init; }
    public string? UserPrefix { get; init; }
    public double DurationSeconds { get; init; } = 10;
    public double TimeLimitSeconds { get; init; } = 300;
    public long MaxRequests { get; init; } = 1_000_000;
    public int MaxConnections { get; init; } = 1024;
    public int SetupParallelism { get; init; } = 16;
    public int? ServerPid { get; init; }
    public string? Out { get; init; }
    public string? Label { get; init; }

    public List<string> Validate()
    {
        var errors = new List<string>();
        if (!(DurationSeconds > 0 && DurationSeconds <= MaxDurationSeconds))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--duration must be more than 0 and at most {MaxDurationSeconds} seconds, got {DurationSeconds}."));
        }
        if (!(TimeLimitSeconds > 0 && TimeLimitSeconds <= MaxTimeLimitSeconds))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--time-limit must be more than 0 and at most {MaxTimeLimitSeconds} seconds, got {TimeLimitSeconds}."));
        }
        else if (TimeLimitSeconds < DurationSeconds)
        {
            errors.Add("--time-limit must be at least --duration.");
        }
        if (MaxRequests is < 1 or > MaxRequestsCap)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--max-requests must be from 1 to {MaxRequestsCap:N0}, got {MaxRequests}."));
        }
        if (MaxConnections is < 1 or > MaxConnectionsCap)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--max-connections must be from 1 to {MaxConnectionsCap}, got {MaxConnections}."));
        }
        if (SetupParallelism is < 1 or > 256)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--setup-parallelism must be from 1 to 256, got {SetupParallelism}."));
        }
        if (ServerPid is <= 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--server-pid must be a process ID, got {ServerPid}."));
        }
        switch (Registration)
        {
            case RegistrationMode.SharedSecret when string.IsNullOrEmpty(SharedSecret):
                errors.Add("--registration shared-secret needs --shared-secret (or MYELIN_LOAD_SHARED_SECRET).");
                break;
            case RegistrationMode.File when string.IsNullOrEmpty(UsersFile):
                errors.Add("--registration file needs --users-file.");
                break;
        }
        if (UserPrefix is not null && (UserPrefix.Length > 40 || !UserPrefix.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '=' or '-' or '/')))
        {
            // spec: appendices "User Identifiers" — localparts are a-z 0-9 . _ = - /
            errors.Add($"--user-prefix may only use a-z, 0-9 and . _ = - / (at most 40 characters), got '{UserPrefix}'.");
        }
        return errors;
    }

    /// <summary>Checks a scenario's own count option; returns an error message or null.</summary>
    public static string? CheckRange(string option, double value, double min, double max) =>
        value >= min && value <= max ? null : string.Create(CultureInfo.InvariantCulture, $"{option} must be from {min} to {max}, got {value}.");
}
