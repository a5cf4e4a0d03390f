using System.CommandLine;
using Myelin.Load.Scenarios;

namespace Myelin.Load.Cli;

/// <summary>The <c>myelin-load</c> command line: one subcommand per scenario, each with the common options.</summary>
public static class LoadCli
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Load generator for Matrix homeservers: measures any server the same way over the client-server API.");
        root.Subcommands.Add(Send());
        root.Subcommands.Add(Fanout());
        root.Subcommands.Add(InitialSync());
        root.Subcommands.Add(RjBench());
        root.Subcommands.Add(JoinStorm());
        root.Subcommands.Add(Media());
        return root;
    }

    private static Option<int> IntOption(string name, string description, int defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    /// <summary>Wires a scenario command: validates its own options (each as name, value, min, max), then runs it.</summary>
    private static Command Scenario(string name, string description, Option[] options, Func<ParseResult, (string Option, double Value, double Min, double Max)[]> ranges,
        Func<ParseResult, LoadSettings, IScenario> create)
    {
        var common = new CommonOptions();
        var command = new Command(name, description);
        foreach (var option in options)
        {
            command.Options.Add(option);
        }
        common.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var errors = ranges(parse).Select(r => LoadSettings.CheckRange(r.Option, r.Value, r.Min, r.Max)).OfType<string>().ToList();
            if (errors.Count > 0)
            {
                foreach (string error in errors)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync("error: " + error);
                }
                return ScenarioRunner.ExitInvalidArguments;
            }
            var settings = common.Read(parse);
            IScenario scenario;
            try
            {
                scenario = create(parse, settings);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("error: " + e.Message);
                return ScenarioRunner.ExitInvalidArguments;
            }
            return await ScenarioRunner.RunAsync(settings, scenario, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken);
        });
        return command;
    }

    private static Command Send()
    {
        var senders = IntOption("--senders", "Concurrent senders (each its own user).", 16);
        var rooms = IntOption("--rooms", "Rooms to send into: 1 for one busy room, or many.", 1);
        return Scenario("send", "S concurrent senders post into R rooms for --duration: events/s, latency, errors.",
            [senders, rooms],
            p => [("--senders", p.GetValue(senders), 1, 10_000), ("--rooms", p.GetValue(rooms), 1, 100_000)],
            (p, _) => new SendScenario(p.GetValue(senders), p.GetValue(rooms)));
    }

    private static Command Fanout()
    {
        var syncers = IntOption("--syncers", "Users long-polling /sync.", 50);
        var rooms = IntOption("--rooms", "Shared rooms every syncer is in.", 1);
        var rate = new Option<double>("--rate") { Description = "Events per second sent (fixed schedule).", DefaultValueFactory = _ => 40 };
        var senders = IntOption("--senders", "Users the events are sent as (round-robin).", 4);
        var limit = IntOption("--timeline-limit", "Timeline limit in the sync filter.", 50);
        var drain = new Option<double>("--drain") { Description = "Seconds to wait after the last send for deliveries.", DefaultValueFactory = _ => 10 };
        return Scenario("fanout", "U syncers long-poll while events are sent at a fixed rate: delivery latency, missed and duplicated events.",
            [syncers, rooms, rate, senders, limit, drain],
            p => [("--syncers", p.GetValue(syncers), 1, 10_000), ("--rooms", p.GetValue(rooms), 1, 1_000), ("--rate", p.GetValue(rate), 0.1, 100_000),
                  ("--senders", p.GetValue(senders), 1, 1_000), ("--timeline-limit", p.GetValue(limit), 1, 1_000), ("--drain", p.GetValue(drain), 0, 120)],
            (p, _) => new FanoutScenario(p.GetValue(syncers), p.GetValue(rooms), p.GetValue(rate), p.GetValue(senders), p.GetValue(limit), TimeSpan.FromSeconds(p.GetValue(drain))));
    }

    private static Command InitialSync()
    {
        var rooms = IntOption("--rooms", "Rooms the user is in.", 100);
        var events = IntOption("--events", "Events sent into each room before syncing.", 50);
        var gap = new Option<int?>("--gap-events") { Description = "Events sent after the initial sync, before the incremental one. Default: one per room" };
        var limit = IntOption("--timeline-limit", "Timeline limit in the sync filter.", 20);
        var repeats = IntOption("--repeats", "Initial syncs made (the first is cold).", 3);
        return Scenario("initial-sync", "A user in N rooms with M events each: time and bytes of an initial sync and of an incremental sync after a gap.",
            [rooms, events, gap, limit, repeats],
            p => [("--rooms", p.GetValue(rooms), 1, 100_000), ("--events", p.GetValue(events), 0, 100_000), ("--gap-events", p.GetValue(gap) ?? 0, 0, 1_000_000),
                  ("--timeline-limit", p.GetValue(limit), 1, 1_000), ("--repeats", p.GetValue(repeats), 1, 100)],
            (p, _) => new InitialSyncScenario(p.GetValue(rooms), p.GetValue(events), p.GetValue(gap) ?? p.GetValue(rooms), p.GetValue(limit), p.GetValue(repeats)));
    }

    private static Command RjBench()
    {
        var play = new Option<string?>("--play") { Description = $"A play file ('SPEAKER: line' per line). Default: the shipped {PlayScript.DefaultPlay}" };
        return Scenario("rjbench", "Every line of a play posted in order; each new speaker registers, logs in and joins first: total wall time.",
            [play],
            _ => [],
            (p, _) => p.GetValue(play) is { } path
                ? new RjBenchScenario(PlayScript.Parse(File.ReadAllText(path), path), Path.GetFileName(path))
                : new RjBenchScenario(PlayScript.LoadDefault(), PlayScript.DefaultPlay));
    }

    private static Command JoinStorm()
    {
        var joiners = IntOption("--joiners", "Users joining the room.", 200);
        var concurrency = IntOption("--concurrency", "Joins in flight at once.", 50);
        return Scenario("join-storm", "Many users join one public room concurrently: joins/s and the final member list's correctness.",
            [joiners, concurrency],
            p => [("--joiners", p.GetValue(joiners), 1, 100_000), ("--concurrency", p.GetValue(concurrency), 1, 10_000)],
            (p, _) => new JoinStormScenario(p.GetValue(joiners), p.GetValue(concurrency)));
    }

    private static Command Media()
    {
        var workers = IntOption("--workers", "Concurrent uploaders, then downloaders (each its own user).", 8);
        var size = IntOption("--size", "Bytes per uploaded file.", 1024 * 1024);
        var thumbnails = IntOption("--thumbnail-sizes", "Distinct thumbnail sizes requested (each cold, then warm).", 20);
        return Scenario("media", "W workers upload S-byte files, then download them, for --duration each: MiB/s and latency; then thumbnail latency cold and cached.",
            [workers, size, thumbnails],
            p => [("--workers", p.GetValue(workers), 1, 1_000), ("--size", p.GetValue(size), 1, 1024 * 1024 * 1024), ("--thumbnail-sizes", p.GetValue(thumbnails), 1, 400)],
            (p, _) => new MediaScenario(p.GetValue(workers), p.GetValue(size), p.GetValue(thumbnails)));
    }
}
