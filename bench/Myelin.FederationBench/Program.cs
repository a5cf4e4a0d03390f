using Myelin.Testing;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.FederationBench;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Authentication;
using Myelin.Server.Rooms;

// Federation benchmarks (docs/benchmarks.md "Federation"):
//  1. join: a fresh myelin process (the joiner) joins, over loopback through make_join / send_join v2, a room whose
//     state has --members joined members on the resident server (a MyelinHost in this process); wall time of the
//     client's POST /join and the joiner's peak RSS (VmHWM).
//  2. inbound PDUs: the resident's users' messages pushed to the joiner with PUT /_matrix/federation/v1/send/{txnId},
//     --pdus PDUs per transaction, one transaction at a time (as a sending server does), each PDU chaining on the
//     previous one; PDUs/s and transaction latency (the 200 comes after every PDU is committed).
var options = Options.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("""
        usage: myelin-federation-bench --myelin PATH [--members 30000] [--transactions 40] [--warmup 2] [--pdus 50]
                                       [--small-members 10] [--engine sqlite|postgres --postgres CONN] [--resident-cache DIR]
                                       [--work-dir DIR] [--out FILE] [--keep]
          --myelin        the myelin executable (or myelin.dll, run with dotnet) started as the joining server
          --members       joined members of the big room on the resident (besides its creator)
          --transactions  measured /send transactions per room (after --warmup unmeasured ones)
          --small-members also join a room of this many members and push the same transactions into it (0: skip)
          --resident-cache keep the generated resident database here and reuse it when --members matches (SQLite only)
          --engine        database of both servers (default sqlite); postgres needs --postgres, an Npgsql connection string in which
                          {0} is replaced by resident / joiner (both databases must exist); only SQLite has been measured
        """);
    return 2;
}
void Log(string message) => Console.Error.WriteLine($"[fed-bench {DateTime.UtcNow:HH:mm:ss}] {message}");

string work = options.WorkDir ?? Path.Combine(Path.GetTempPath(), "myelin-fed-bench-" + DateTime.UtcNow.ToString("yyyyMMddTHHmmssZ", CultureInfo.InvariantCulture));
Directory.CreateDirectory(work);
var certificates = TestCertificateAuthority.Create(Path.Combine(work, "certs"));
var report = new JsonObject
{
    ["date"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
    ["engine"] = options.Engine,
    ["members"] = options.Members,
    ["pdus_per_transaction"] = options.Pdus,
    ["load_average_start"] = File.ReadAllText("/proc/loadavg").Trim(),
    ["processors"] = Environment.ProcessorCount,
};
int exitCode = 0;
Log($"work directory {work}");
string residentDirectory = Path.Combine(work, "resident");
var (resident, big) = await StartResidentAsync();
await using (resident)
{
    if (options.Engine == "sqlite")
    {
        report["resident_db_mb"] = Math.Round(new FileInfo(Path.Combine(resident.Directory, "homeserver.db")).Length / 1048576.0, 1);
    }

    await using var joiner = await Joiner.StartAsync(options.Myelin, Path.Combine(work, "joiner"), certificates, options.Engine, options.PostgresFor("joiner"), Log);
    var (userId, token) = await joiner.RegisterAsync("bench");
    await Task.Delay(TimeSpan.FromSeconds(2));
    report["joiner_idle_rss_kb"] = joiner.StatusKb("VmRSS");

    var join = await JoinAsync(joiner, resident, big, userId, token, "big room");
    report["join"] = join.Report;
    if (join.EventId is { } joinId)
    {
        report["inbound"] = await PushTransactionsAsync(joiner, resident, big, joinId, token, "big room");
    }
    else
    {
        exitCode = 3;
    }
    if (options.SmallMembers > 0)
    {
        var small = await resident.CreateRoomAsync(options.SmallMembers, Log);
        var smallJoin = await JoinAsync(joiner, resident, small, userId, token, "small room");
        report["small_join"] = smallJoin.Report;
        if (smallJoin.EventId is { } smallJoinId)
        {
            report["small_inbound"] = await PushTransactionsAsync(joiner, resident, small, smallJoinId, token, "small room");
        }
    }
    report["joiner_rss_end_kb"] = joiner.StatusKb("VmRSS");
    report["joiner_hwm_end_kb"] = joiner.StatusKb("VmHWM");
}
report["load_average_end"] = File.ReadAllText("/proc/loadavg").Trim();
string json = report.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
if (options.Out is { } outPath)
{
    await File.WriteAllTextAsync(outPath, json);
}
Console.WriteLine(json);
if (!options.Keep)
{
    try
    {
        Directory.Delete(work, recursive: true);
    }
    catch (IOException)
    {
    }
}
return exitCode;

// The resident and its big room: generated, or copied from --resident-cache (a database generated earlier with the same
// --members, kept as it was right after generation; the server name in it fixes the port).
async Task<(Resident, BigRoom)> StartResidentAsync()
{
    string? cache = options.ResidentCache;
    string marker = cache is null ? "" : Path.Combine(cache, "bench-room.json");
    if (cache is not null && options.Engine == "sqlite" && File.Exists(marker)
        && JsonNode.Parse(await File.ReadAllTextAsync(marker)) is { } saved && saved["members"]!.GetValue<int>() == options.Members)
    {
        Directory.CreateDirectory(residentDirectory);
        foreach (string file in Directory.GetFiles(cache).Where(f => Path.GetFileName(f) != "bench-room.json"))
        {
            File.Copy(file, Path.Combine(residentDirectory, Path.GetFileName(file)), overwrite: true);
        }
        var cached = await Resident.StartAsync(residentDirectory, certificates, options.Engine, null, saved["port"]!.GetValue<int>());
        var room = await cached.LoadRoomAsync(RoomId.Parse(saved["room_id"]!.GetValue<string>()));
        Log($"resident: {cached.ServerName} from {cache}: room {room.RoomId} with {room.Members.Count} members (generated in {saved["generation_seconds"]} s)");
        report["generation_seconds"] = saved["generation_seconds"]!.DeepClone();
        report["resident_from_cache"] = true;
        return (cached, room);
    }
    var fresh = await Resident.StartAsync(residentDirectory, certificates, options.Engine, options.PostgresFor("resident"));
    Log($"resident: {fresh.ServerName} (in this process, pid {Environment.ProcessId}); generating {options.Members} joins");
    var generated = await fresh.CreateRoomAsync(options.Members, Log);
    Log($"resident: room {generated.RoomId} with {generated.Members.Count} members generated in {generated.GenerationTime.TotalSeconds:F1} s");
    report["generation_seconds"] = Math.Round(generated.GenerationTime.TotalSeconds, 1);
    if (cache is null || options.Engine != "sqlite")
    {
        return (fresh, generated);
    }
    // Keep a copy of the stopped resident's files for the next run, then start it again over the same files.
    int port = fresh.Port;
    await fresh.DisposeAsync();
    Directory.CreateDirectory(cache);
    foreach (string file in Directory.GetFiles(residentDirectory))
    {
        File.Copy(file, Path.Combine(cache, Path.GetFileName(file)), overwrite: true);
    }
    await File.WriteAllTextAsync(marker, new JsonObject
    {
        ["members"] = options.Members,
        ["port"] = port,
        ["room_id"] = generated.RoomId.Value,
        ["generation_seconds"] = Math.Round(generated.GenerationTime.TotalSeconds, 1),
    }.ToJsonString());
    var restarted = await Resident.StartAsync(residentDirectory, certificates, options.Engine, null, port);
    return (restarted, generated);
}

async Task<(JsonObject Report, EventId? EventId)> JoinAsync(Joiner joiner, Resident resident, BigRoom room, string userId, string token, string label)
{
    long rssBefore = joiner.StatusKb("VmRSS");
    long hwmBefore = joiner.StatusKb("VmHWM");
    var cpuBefore = joiner.CpuTime();
    var residentCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    using var sampling = new CancellationTokenSource();
    long sampledPeak = 0;
    double peakAt = 0;
    var stopwatch = Stopwatch.StartNew();
    var sampler = Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            long rss = joiner.StatusKb("VmRSS");
            if (rss > sampledPeak)
            {
                sampledPeak = rss;
                peakAt = stopwatch.Elapsed.TotalSeconds;
            }
            try
            {
                await Task.Delay(100, sampling.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    });
    Log($"{label}: POST /join/{room.RoomId}?server_name={resident.ServerName} ({room.Members.Count} members)");
    using var request = new HttpRequestMessage(HttpMethod.Post,
        $"/_matrix/client/v3/join/{Uri.EscapeDataString(room.RoomId.Value)}?server_name={Uri.EscapeDataString(resident.ServerName.Value)}")
    {
        Content = JsonContent.Create(new { }),
    };
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    using var response = await joiner.Http.SendAsync(request);
    string body = await response.Content.ReadAsStringAsync();
    double seconds = stopwatch.Elapsed.TotalSeconds;
    await sampling.CancelAsync();
    await sampler;
    var cpu = joiner.CpuTime() - cpuBefore;
    var residentCpu = Process.GetCurrentProcess().TotalProcessorTime - residentCpuBefore;
    var result = new JsonObject
    {
        ["members"] = room.Members.Count,
        ["status"] = (int)response.StatusCode,
        ["wall_seconds"] = Math.Round(seconds, 2),
        ["joiner_cpu_seconds"] = Math.Round(cpu.TotalSeconds, 1),
        ["resident_process_cpu_seconds"] = Math.Round(residentCpu.TotalSeconds, 1),
        ["joiner_rss_before_kb"] = rssBefore,
        ["joiner_hwm_before_kb"] = hwmBefore,
        ["joiner_hwm_after_kb"] = joiner.StatusKb("VmHWM"),
        ["joiner_sampled_peak_rss_kb"] = sampledPeak,
        ["joiner_sampled_peak_at_seconds"] = Math.Round(peakAt, 1),
        ["joiner_rss_after_kb"] = joiner.StatusKb("VmRSS"),
        ["load_average"] = File.ReadAllText("/proc/loadavg").Trim(),
    };
    Log($"{label}: {(int)response.StatusCode} in {seconds:F2} s; joiner CPU {cpu.TotalSeconds:F1} s, VmHWM {result["joiner_hwm_after_kb"]} kB");
    // A 200 must carry the room ID (an error with a passed-through 200 status has been seen).
    if (!response.IsSuccessStatusCode || JsonNode.Parse(body)?["room_id"] is null)
    {
        result["error"] = body.Length > 2000 ? body[..2000] : body;
        Log($"{label}: join failed: {result["error"]}");
        return (result, null);
    }
    // POST /join answers only the room ID; the join event is the joining user's membership, as the resident stored it.
    var membership = await resident.Host.Database.Memberships.GetMembershipAsync(room.RoomId, UserId.Parse(userId))
        ?? throw new InvalidOperationException("The resident holds no membership of the joining user.");
    var joinId = membership.EventId;
    // Check: the joiner sees every member (creator + generated members + us).
    using var membersRequest = new HttpRequestMessage(HttpMethod.Get, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room.RoomId.Value)}/joined_members");
    membersRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    var membersTimer = Stopwatch.StartNew();
    using var membersResponse = await joiner.Http.SendAsync(membersRequest);
    var joined = (await membersResponse.Content.ReadFromJsonAsync<JsonObject>())?["joined"]?.AsObject().Count ?? -1;
    result["joined_members_seen"] = joined;
    result["joined_members_expected"] = room.Members.Count + 2;
    result["joined_members_request_ms"] = Math.Round(membersTimer.Elapsed.TotalMilliseconds);
    await Task.Delay(TimeSpan.FromSeconds(3));
    result["joiner_rss_3s_after_kb"] = joiner.StatusKb("VmRSS");
    return (result, joinId);
}

async Task<JsonObject> PushTransactionsAsync(Joiner joiner, Resident resident, BigRoom room, EventId joinId, string token, string label)
{
    var events = resident.Services.GetRequiredService<RoomEvents>();
    // The joiner's join is the room's newest event on both servers (the resident persisted it in send_join).
    var joinPdu = await events.GetPduAsync(joinId) ?? throw new InvalidOperationException("The resident does not hold the join.");
    var senders = room.Members.Keys.Take(1000).ToArray();
    var destination = ServerName.Parse(joiner.ServerName);
    int total = options.Warmup + options.Transactions;
    var prepared = new List<(string Path, byte[] Body, string Authorization)>(total);
    IReadOnlyList<EventId> prev = [joinId];
    long depth = joinPdu.Depth;
    long ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    string run = Guid.NewGuid().ToString("N")[..8];
    var prepare = Stopwatch.StartNew();
    for (int t = 0; t < total; t++)
    {
        var pdus = new List<Pdu>(options.Pdus);
        for (int i = 0; i < options.Pdus; i++)
        {
            int n = t * options.Pdus + i;
            var sender = senders[n % senders.Length];
            var content = JsonSerializer.SerializeToElement(new { msgtype = "m.text", body = $"federation bench message {n}" });
            var keys = AuthEventSelection.SelectKeys(room.Version, "m.room.message", null, sender, content);
            var pdu = PduBuilder.Build(new PduTemplate
            {
                RoomVersion = room.Version,
                RoomId = room.RoomId,
                Sender = sender,
                Type = "m.room.message",
                Content = content,
                PrevEvents = prev,
                AuthEvents = [.. keys.Where(room.State.ContainsKey).Select(k => room.State[k].EventId)],
                Depth = ++depth,
                OriginServerTs = ts + n,
            }, resident.ServerName, resident.SigningKey);
            pdus.Add(pdu);
            prev = [pdu.EventId];
        }
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("origin", resident.ServerName.Value);
            writer.WriteNumber("origin_server_ts", ts + t);
            writer.WriteStartArray("pdus");
            foreach (var pdu in pdus)
            {
                writer.WriteRawValue(pdu.Json.Span, skipInputValidation: true);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        byte[] body = buffer.ToArray();
        string path = $"/_matrix/federation/v1/send/{run}-{t}";
        using var document = JsonDocument.Parse(body);
        var authorization = FederationRequestSigning.Sign("PUT", path, resident.ServerName, destination, document.RootElement, resident.SigningKey);
        prepared.Add((path, body, authorization.Format()));
    }
    Log($"{label}: {total} transactions × {options.Pdus} PDUs built and signed in {prepare.Elapsed.TotalSeconds:F1} s; sending one at a time");

    var latencies = new List<double>();
    int errors = 0;
    string? firstError = null;
    TimeSpan cpuAtStart = default;
    var measured = new Stopwatch();
    for (int t = 0; t < total; t++)
    {
        if (t == options.Warmup)
        {
            cpuAtStart = joiner.CpuTime();
            measured.Start();
        }
        var (path, body, authorization) = prepared[t];
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        var timer = Stopwatch.StartNew();
        using var response = await joiner.Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        double ms = timer.Elapsed.TotalMilliseconds;
        if (t >= options.Warmup)
        {
            latencies.Add(ms);
        }
        if (!response.IsSuccessStatusCode)
        {
            errors += options.Pdus;
            firstError ??= $"{(int)response.StatusCode} {text}";
            continue;
        }
        var outcomes = JsonNode.Parse(text)!["pdus"]!.AsObject();
        foreach (var (id, outcome) in outcomes)
        {
            if (outcome?["error"] is { } error)
            {
                errors++;
                firstError ??= $"{id}: {error}";
            }
        }
        // Every PDU must have its own result (a PDU of an unknown room gets none).
        if (outcomes.Count < options.Pdus)
        {
            errors += options.Pdus - outcomes.Count;
            firstError ??= $"{options.Pdus - outcomes.Count} PDUs without a result: {text[..Math.Min(text.Length, 500)]}";
        }
    }
    measured.Stop();
    var cpu = joiner.CpuTime() - cpuAtStart;
    // Check: the last PDU is served to the joined user.
    using var check = new HttpRequestMessage(HttpMethod.Get, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room.RoomId.Value)}/event/{Uri.EscapeDataString(prev[0].Value)}");
    check.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    using var checkResponse = await joiner.Http.SendAsync(check);
    latencies.Sort();
    double Percentile(double p) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
    int pdusMeasured = options.Transactions * options.Pdus;
    var result = new JsonObject
    {
        ["room_members"] = room.Members.Count + 2,
        ["transactions"] = options.Transactions,
        ["warmup_transactions"] = options.Warmup,
        ["pdus"] = pdusMeasured,
        ["seconds"] = Math.Round(measured.Elapsed.TotalSeconds, 2),
        ["pdus_per_second"] = Math.Round(pdusMeasured / measured.Elapsed.TotalSeconds, 1),
        ["latency_ms_p50"] = Math.Round(Percentile(0.50), 1),
        ["latency_ms_p99"] = Math.Round(Percentile(0.99), 1),
        ["latency_ms_max"] = Math.Round(latencies.LastOrDefault(), 1),
        ["pdu_errors"] = errors,
        ["first_error"] = firstError,
        ["last_pdu_served"] = (int)checkResponse.StatusCode,
        ["joiner_cpu_seconds"] = Math.Round(cpu.TotalSeconds, 1),
        ["joiner_cpu_ms_per_pdu"] = Math.Round(cpu.TotalMilliseconds / pdusMeasured, 2),
        ["joiner_rss_after_kb"] = joiner.StatusKb("VmRSS"),
        ["load_average"] = File.ReadAllText("/proc/loadavg").Trim(),
    };
    Log($"{label}: {result["pdus_per_second"]} PDU/s, p50 {result["latency_ms_p50"]} ms, p99 {result["latency_ms_p99"]} ms, errors {errors}, last PDU {(int)checkResponse.StatusCode}");
    return result;
}

internal sealed record Options(string[] Myelin, int Members, int Transactions, int Warmup, int Pdus, int SmallMembers, string Engine, string? Postgres,
    string? WorkDir, string? Out, bool Keep, string? ResidentCache)
{
    public string? PostgresFor(string server) => Postgres?.Replace("{0}", server, StringComparison.Ordinal);

    public static Options? Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        bool keep = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--keep")
            {
                keep = true;
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                values[args[i][2..]] = args[++i];
            }
            else
            {
                return null;
            }
        }
        if (!values.TryGetValue("myelin", out string? myelin))
        {
            return null;
        }
        int Int(string name, int fallback) => values.TryGetValue(name, out string? v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        string[] command = myelin.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", myelin] : [myelin];
        int pdus = Int("pdus", 50);
        if (pdus is < 1 or > 50)
        {
            return null;
        }
        string engine = values.GetValueOrDefault("engine", "sqlite");
        if (engine is not ("sqlite" or "postgres"))
        {
            return null;
        }
        return new Options(command, Int("members", 30_000), Int("transactions", 40), Int("warmup", 2), pdus, Int("small-members", 10), engine,
            values.GetValueOrDefault("postgres"), values.GetValueOrDefault("work-dir"), values.GetValueOrDefault("out"), keep,
            values.GetValueOrDefault("resident-cache"));
    }
}
