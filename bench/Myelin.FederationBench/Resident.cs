using Myelin.Testing;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Server.Configuration;
using Myelin.Server.Federation;
using Myelin.Server.Hosting;
using Myelin.Server.Rooms;
using Myelin.Storage.Events;
using Myelin.Storage.State;

namespace Myelin.FederationBench;

/// <summary>
/// The resident server: a real <see cref="MyelinHost"/> (the same code the myelin binary runs) in this process, named
/// <c>localhost:PORT</c>, serving HTTPS with the bench CA's certificate and federating over loopback. It owns the big
/// room; its signing key also signs the PDUs of the inbound-throughput phase (they come from its users).
/// </summary>
internal sealed class Resident : IAsyncDisposable
{
    private Resident(MyelinHost host, string directory)
    {
        Host = host;
        Directory = directory;
    }

    public MyelinHost Host { get; }
    public string Directory { get; }
    public ServerName ServerName => Host.Config.ServerName;
    public SigningKey SigningKey => Host.SigningKey;
    public IServiceProvider Services => Host.Services;

    /// <summary>Starts the resident over <paramref name="directory"/>; on <paramref name="fixedPort"/> when its database already names it.</summary>
    public static async Task<Resident> StartAsync(string directory, TestCertificateAuthority certificates, string engine, string? postgres, int? fixedPort = null)
    {
        System.IO.Directory.CreateDirectory(directory);
        for (int attempt = 1; ; attempt++)
        {
            int port = fixedPort ?? FreePort();
            var serverName = ServerName.Parse($"localhost:{port}");
            var config = MyelinConfig.CreateDefault(serverName, directory) with
            {
                Listeners = [new ListenerConfig { Port = port, BindAddresses = [IPAddress.Loopback], Tls = true }],
                TlsCertificatePath = certificates.CertificatePath,
                TlsPrivateKeyPath = certificates.KeyPath,
                FederationCustomCaList = [certificates.CaPath],
                IpRangeWhitelist = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")],
                TrustedKeyServers = [],
                RateLimiting = new RateLimitingConfig { Enabled = false },
            };
            if (engine == "postgres")
            {
                config = config with { Database = DatabaseConfig.Postgres(postgres ?? throw new ArgumentException("--postgres is required with --engine postgres")) };
            }
            try
            {
                var host = await MyelinHost.StartAsync(config, new MyelinHostOptions
                {
                    ConsoleLogging = false,
                    ConfigureLogging = logging => logging.SetMinimumLevel(LogLevel.Warning),
                });
                return new Resident(host, directory);
            }
            catch (IOException) when (attempt < 3 && fixedPort is null)
            {
                // Another process took the port between FreePort and the bind.
            }
        }
    }

    /// <summary>
    /// Creates a public room (the createRoom code path, public_chat preset) and adds <paramref name="members"/> joins of
    /// users of this server. Each join is built, hashed and signed by <see cref="PduBuilder"/>, cites the create event
    /// (below v12), the power levels and the join rules as auth events and the previous join as its only prev event,
    /// passes <see cref="AuthRules.Check(Pdu, Func{StateKey, Pdu?}, AuthRulesOptions?)"/> against the state it follows
    /// and is persisted by the event store (its state group, current state, membership, forward extremity) under the
    /// room's writer lock — what a local join does, minus the per-event listeners (push counts, federation), which
    /// would evaluate push rules for every member on every join. The member users have no accounts.
    /// </summary>
    public async Task<BigRoom> CreateRoomAsync(int members, Action<string> progress)
    {
        var creator = UserId.Parse($"@creator:{ServerName}");
        var roomId = await Services.GetRequiredService<RoomCreator>().CreateAsync(creator,
            new RoomCreationOptions { Preset = RoomPresets.PublicChat, Name = $"{members} members" }, CancellationToken.None);
        var writer = Services.GetRequiredService<RoomEventWriter>();
        var events = Services.GetRequiredService<RoomEvents>();
        var database = events.Database;
        var version = await events.GetRoomVersionAsync(roomId) ?? throw new InvalidOperationException("The room has no version.");
        var state = new Dictionary<StateKey, Pdu>(await writer.GetCurrentStateAsync(roomId, CancellationToken.None));
        var memberEvents = new Dictionary<UserId, EventId>();
        var stopwatch = Stopwatch.StartNew();
        await writer.RunExclusiveAsync(roomId, async ct =>
        {
            var group = await database.State.GetCurrentStateGroupAsync(roomId, ct) ?? throw new InvalidOperationException("The room has no state group.");
            var extremities = await database.Events.GetForwardExtremitiesAsync(roomId, ct);
            var heads = await events.GetPdusAsync([.. extremities], ct);
            long depth = heads.Values.Max(p => p.Depth);
            IReadOnlyList<EventId> prev = extremities;
            var content = JsonElement.Parse("""{"membership":"join"}""");
            for (int i = 0; i < members; i++)
            {
                var user = UserId.Parse($"@member{i:D6}:{ServerName}");
                var keys = AuthEventSelection.SelectKeys(version, EventTypes.Member, user.Value, user, content);
                var pdu = PduBuilder.Build(new PduTemplate
                {
                    RoomVersion = version,
                    RoomId = roomId,
                    Sender = user,
                    Type = EventTypes.Member,
                    StateKey = user.Value,
                    Content = content,
                    PrevEvents = prev,
                    AuthEvents = [.. keys.Where(state.ContainsKey).Select(k => state[k].EventId)],
                    Depth = ++depth,
                    OriginServerTs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                }, ServerName, SigningKey);
                var auth = AuthRules.Check(pdu, key => state.GetValueOrDefault(key));
                if (auth.IsRejected)
                {
                    throw new InvalidOperationException($"Generated join {i} is not allowed: {auth.Message}");
                }
                var result = await database.Events.PersistAsync(new PersistEventRequest(pdu) { StateBefore = new StateInput.Existing(group) }, CancellationToken.None);
                group = result.StateGroups?.After ?? throw new InvalidOperationException("The join got no state group.");
                state[pdu.StateTuple!.Value] = pdu;
                memberEvents[user] = pdu.EventId;
                prev = [pdu.EventId];
                if ((i + 1) % 5000 == 0)
                {
                    progress($"  {i + 1} joins persisted ({stopwatch.Elapsed.TotalSeconds:F1} s, {(i + 1) / stopwatch.Elapsed.TotalSeconds:F0}/s)");
                }
            }
            return true;
        }, CancellationToken.None);
        return new BigRoom(roomId, version, state, memberEvents, stopwatch.Elapsed);
    }

    /// <summary>A room generated earlier (a cached resident database), read back from the current state.</summary>
    public async Task<BigRoom> LoadRoomAsync(RoomId roomId)
    {
        var writer = Services.GetRequiredService<RoomEventWriter>();
        var events = Services.GetRequiredService<RoomEvents>();
        var version = await events.GetRoomVersionAsync(roomId) ?? throw new InvalidOperationException($"The cached resident has no room {roomId}.");
        var state = new Dictionary<StateKey, Pdu>(await writer.GetCurrentStateAsync(roomId, CancellationToken.None));
        var members = state.Values
            .Where(p => p.Type == EventTypes.Member && p.StateKey!.StartsWith("@member", StringComparison.Ordinal))
            .OrderBy(p => p.StateKey, StringComparer.Ordinal)
            .ToDictionary(p => UserId.Parse(p.StateKey!), p => p.EventId);
        return new BigRoom(roomId, version, state, members, TimeSpan.Zero);
    }

    public int Port => Host.Config.Listeners[0].Port;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}

/// <summary>The generated room as the resident built it.</summary>
internal sealed record BigRoom(RoomId RoomId, RoomVersion Version, Dictionary<StateKey, Pdu> State, Dictionary<UserId, EventId> Members, TimeSpan GenerationTime);
