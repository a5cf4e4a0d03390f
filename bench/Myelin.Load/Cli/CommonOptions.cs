using System.CommandLine;
using Myelin.Load.Users;

namespace Myelin.Load.Cli;

/// <summary>The options every scenario command takes: target, safety bounds, where users come from, outputs.</summary>
public sealed class CommonOptions
{
    public Option<string> Url { get; } = new("--url", "-u")
    {
        Description = "Homeserver base URL. Only loopback (127.0.0.0/8, ::1, localhost) unless --allow-remote.",
        DefaultValueFactory = _ => "http://127.0.0.1:8008",
    };

    public Option<bool> AllowRemote { get; } = new("--allow-remote")
    {
        Description = "Allow a non-loopback --url (which must then be given explicitly). Only load servers you operate.",
    };

    public Option<RegistrationMode> Registration { get; } = new("--registration")
    {
        Description = "How to get users: open (m.login.dummy), shared-secret (/_synapse/admin/v1/register) or file (--users-file).",
        HelpName = "open|shared-secret|file",
        DefaultValueFactory = _ => RegistrationMode.Open,
        CustomParser = result =>
        {
            string value = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (RegistrationModes.TryParse(value, out var mode))
            {
                return mode;
            }
            result.AddError($"--registration must be open, shared-secret or file, got '{value}'.");
            return RegistrationMode.Open;
        },
    };

    public Option<string?> SharedSecret { get; } = new("--shared-secret")
    {
        Description = "registration_shared_secret for --registration SharedSecret. Default: $MYELIN_LOAD_SHARED_SECRET",
    };

    public Option<string?> UsersFile { get; } = new("--users-file")
    {
        Description = "JSON lines of pre-made users: {\"user_id\": \"@a:hs\", \"access_token\": \"...\"}",
    };

    public Option<string?> UserPrefix { get; } = new("--user-prefix")
    {
        Description = "Localpart prefix of registered users. Default: load-<random run id>-",
    };

    public Option<double> Duration { get; } = new("--duration")
    {
        Description = $"Seconds the measured phase of send/fanout lasts (hard cap {LoadSettings.MaxDurationSeconds}).",
        DefaultValueFactory = _ => 10,
    };

    public Option<double> TimeLimit { get; } = new("--time-limit")
    {
        Description = $"Seconds after which the whole run (setup included) is stopped (hard cap {LoadSettings.MaxTimeLimitSeconds}).",
        DefaultValueFactory = _ => 300,
    };

    public Option<long> MaxRequests { get; } = new("--max-requests")
    {
        Description = $"Stop after this many requests (hard cap {LoadSettings.MaxRequestsCap:N0}).",
        DefaultValueFactory = _ => 1_000_000,
    };

    public Option<int> MaxConnections { get; } = new("--max-connections")
    {
        Description = "HTTP/1.1 connections to the server at most (long polls hold one each).",
        DefaultValueFactory = _ => 1024,
    };

    public Option<int> SetupParallelism { get; } = new("--setup-parallelism")
    {
        Description = "Registrations, room creations and joins made at once during setup.",
        DefaultValueFactory = _ => 16,
    };

    public Option<int?> ServerPid { get; } = new("--server-pid")
    {
        Description = "PID of the server process: its RSS and CPU time are reported before and after (Linux /proc).",
    };

    public Option<string?> Out { get; } = new("--out", "-o")
    {
        Description = "Write the results as JSON to this file.",
    };

    public Option<string?> Label { get; } = new("--label")
    {
        Description = "Free text recorded with the results (e.g. 'myelin sqlite').",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Url, AllowRemote, Registration, SharedSecret, UsersFile, UserPrefix, Duration, TimeLimit, MaxRequests, MaxConnections, SetupParallelism, ServerPid, Out, Label })
        {
            command.Options.Add(option);
        }
    }

    public LoadSettings Read(ParseResult parse) => new()
    {
        Url = parse.GetValue(Url)!,
        UrlGivenExplicitly = parse.GetResult(Url) is { Implicit: false },
        AllowRemote = parse.GetValue(AllowRemote),
        Registration = parse.GetValue(Registration),
        SharedSecret = parse.GetValue(SharedSecret) ?? Environment.GetEnvironmentVariable("MYELIN_LOAD_SHARED_SECRET"),
        UsersFile = parse.GetValue(UsersFile),
        UserPrefix = parse.GetValue(UserPrefix),
        DurationSeconds = parse.GetValue(Duration),
        TimeLimitSeconds = parse.GetValue(TimeLimit),
        MaxRequests = parse.GetValue(MaxRequests),
        MaxConnections = parse.GetValue(MaxConnections),
        SetupParallelism = parse.GetValue(SetupParallelism),
        ServerPid = parse.GetValue(ServerPid),
        Out = parse.GetValue(Out),
        Label = parse.GetValue(Label),
    };
}
