using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Ephemeral;
using Myelin.Server.Federation.Edus;
using Myelin.Server.Presence;
using Myelin.Server.Receipts;
using Myelin.Storage;
using Myelin.Storage.Receipts;

namespace Myelin.Server.Federation.Sending;

/// <summary>
/// Sends our users' typing, public read receipts and presence to the other servers concerned, as ephemeral EDUs:
/// typing and receipts to the servers in the room, presence to every server sharing a room with the user.
/// Changes are handled one at a time in the order they happened, off the caller's thread.
/// spec: server-server "Typing Notifications", "Receipts", "Presence".
/// </summary>
public sealed partial class EphemeralEduSender : IHostedService
{
    private readonly FederationSender _sender;
    private readonly MyelinDatabase _database;
    private readonly ServerName _serverName;
    private readonly TimeProvider _time;
    private readonly ILogger<EphemeralEduSender> _logger;
    private readonly Channel<Func<CancellationToken, Task>> _work = Channel.CreateUnbounded<Func<CancellationToken, Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly FederationOptions _options;
    /// <summary>Our users typing now, by room, with when their last <c>m.typing</c> was queued (ms).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(RoomId Room, UserId User), long> _typing = new();
    private ITimer? _renewal;
    private Task _loop = Task.CompletedTask;

    public EphemeralEduSender(FederationSender sender, TypingTracker typing, ReceiptService receipts, PresenceTracker presence, MyelinDatabase database,
        MyelinConfig config, FederationOptions options, TimeProvider time, ILogger<EphemeralEduSender> logger)
    {
        ArgumentNullException.ThrowIfNull(typing);
        ArgumentNullException.ThrowIfNull(receipts);
        ArgumentNullException.ThrowIfNull(presence);
        _sender = sender;
        _database = database;
        _serverName = config.ServerName;
        _time = time;
        _options = options;
        _logger = logger;
        typing.Changed += OnTypingChanged;
        receipts.ReceiptUpdated += OnReceiptUpdated;
        presence.Changed += OnPresenceChanged;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(RunAsync, CancellationToken.None);
        var tick = _options.OutboundTypingRenewal / 4;
        _renewal = _time.CreateTimer(_ => RenewTyping(), null, tick, tick);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_renewal is not null)
        {
            await _renewal.DisposeAsync();
        }
        _work.Writer.TryComplete();
        await _stopping.CancelAsync();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void OnTypingChanged(RoomId room, UserId user, bool typing)
    {
        if (user.Server != _serverName)
        {
            return;
        }
        if (typing)
        {
            _typing[(room, user)] = _time.GetUtcNow().ToUnixTimeMilliseconds();
        }
        else
        {
            _typing.TryRemove((room, user), out _);
        }
        SendTyping(room, user, typing);
    }

    /// <summary>Sends <c>typing: true</c> again for our users still typing whose last EDU is one renewal period old.</summary>
    private void RenewTyping()
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long period = (long)_options.OutboundTypingRenewal.TotalMilliseconds;
        foreach (var (key, sent) in _typing)
        {
            if (now - sent >= period && _typing.TryUpdate(key, now, sent))
            {
                SendTyping(key.Room, key.User, typing: true);
            }
        }
    }

    private void SendTyping(RoomId room, UserId user, bool typing)
    {
        Enqueue(async ct =>
        {
            var content = Build(w =>
            {
                w.WriteString("room_id", room.Value);
                w.WriteString("user_id", user.Value);
                w.WriteBoolean("typing", typing);
            });
            foreach (var server in await _sender.GetRemoteServersInRoomAsync(room, ct))
            {
                _sender.SendEdu(server, EduTypes.Typing, content);
            }
        });
    }

    /// <summary>Only public receipts leave the server (spec: client-server "Private read receipts").</summary>
    private void OnReceiptUpdated(Receipt receipt)
    {
        if (receipt.UserId.Server != _serverName || receipt.ReceiptType != ReceiptTypes.Read)
        {
            return;
        }
        Enqueue(async ct =>
        {
            var content = Build(w =>
            {
                w.WriteStartObject(receipt.RoomId.Value);
                w.WriteStartObject(receipt.ReceiptType);
                w.WriteStartObject(receipt.UserId.Value);
                w.WriteStartArray("event_ids");
                w.WriteStringValue(receipt.EventId.Value);
                w.WriteEndArray();
                w.WriteStartObject("data");
                w.WriteNumber("ts", receipt.Ts);
                if (receipt.ThreadId is { } thread)
                {
                    w.WriteString("thread_id", thread);
                }
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
            });
            foreach (var server in await _sender.GetRemoteServersInRoomAsync(receipt.RoomId, ct))
            {
                _sender.SendEdu(server, EduTypes.Receipt, content);
            }
        });
    }

    private void OnPresenceChanged(PresenceStatus status)
    {
        if (status.UserId.Server != _serverName)
        {
            return;
        }
        Enqueue(async ct =>
        {
            var servers = new HashSet<ServerName>();
            foreach (var room in await _database.Memberships.GetRoomsForUserAsync(status.UserId, Myelin.Protocol.Authorization.Membership.Join, ct))
            {
                servers.UnionWith(await _sender.GetRemoteServersInRoomAsync(room, ct));
            }
            if (servers.Count == 0)
            {
                return;
            }
            // last_active_ago is measured when the change is sent; the EDU is built once for every server.
            long ago = Math.Max(0, _time.GetUtcNow().ToUnixTimeMilliseconds() - status.LastActiveTs);
            var content = Build(w =>
            {
                w.WriteStartArray("push");
                w.WriteStartObject();
                w.WriteString("user_id", status.UserId.Value);
                w.WriteString("presence", status.Presence);
                if (status.StatusMessage is { } message)
                {
                    w.WriteString("status_msg", message);
                }
                w.WriteNumber("last_active_ago", ago);
                w.WriteBoolean("currently_active", status.CurrentlyActive);
                w.WriteEndObject();
                w.WriteEndArray();
            });
            foreach (var server in servers)
            {
                _sender.SendEdu(server, EduTypes.Presence, content);
            }
        });
    }

    private void Enqueue(Func<CancellationToken, Task> work) => _work.Writer.TryWrite(work);

    private async Task RunAsync()
    {
        var stopping = _stopping.Token;
        try
        {
            await foreach (var work in _work.Reader.ReadAllAsync(stopping))
            {
                try
                {
                    await work(stopping);
                }
#pragma warning disable CA1031 // one failed EDU (e.g. a database hiccup) must not stop the others
                catch (Exception e) when (!stopping.IsCancellationRequested)
#pragma warning restore CA1031
                {
                    LogFailed(_logger, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: ephemeral EDUs not yet queued are dropped, as they would be by a restart.
        }
    }

    private static JsonElement Build(Action<Utf8JsonWriter> writeProperties)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writeProperties(writer);
            writer.WriteEndObject();
        }
        return JsonElement.Parse(buffer.ToArray());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending an ephemeral EDU to other servers failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
