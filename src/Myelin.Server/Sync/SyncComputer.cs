using System.Text.Json;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Ephemeral;
using Myelin.Server.Events;
using Myelin.Server.Notifications;
using Myelin.Server.Presence;
using Myelin.Server.Receipts;
using Myelin.Server.Rooms;
using Myelin.Server.Streams;
using Myelin.Server.Visibility;
using Myelin.Storage;
using Myelin.Storage.AccountData;
using Myelin.Storage.Events;
using Myelin.Storage.Memberships;
using Myelin.Storage.Receipts;
using Myelin.Storage.Streams;

namespace Myelin.Server.Sync;

/// <summary>
/// Computes one /sync answer between a token and "now". The "to" positions are taken FIRST and everything is read
/// up to them, so an event committed during the computation is left for the next sync rather than missed or sent twice.
/// Incremental syncs only touch rooms that changed. spec: client-server "Syncing", "Filtering", "Lazy-loading room members".
/// </summary>
public sealed class SyncComputer
{
    private const int DefaultTimelineLimit = 10;
    private const int MaxToDeviceMessages = 100;
    private const int RoomParallelism = 4;

    /// <summary>spec: client-server "Stripped state": what an invitee or knocker may see of the room.</summary>
    private static readonly string[] StrippedStateTypes =
        [EventTypes.Create, EventTypes.JoinRules, "m.room.name", "m.room.avatar", "m.room.canonical_alias", "m.room.encryption", "m.room.topic"];

    private readonly MyelinDatabase _database;
    private readonly RoomEvents _events;
    private readonly ClientEvents _clientEvents;
    private readonly TypingTracker _typing;
    private readonly PresenceTracker _presence;
    private readonly LazyLoadedMembers _lazyMembers;
    private readonly HistoryVisibility _visibility;
    private readonly TimeProvider _time;

    public SyncComputer(RoomEvents events, ClientEvents clientEvents, TypingTracker typing, PresenceTracker presence, LazyLoadedMembers lazyMembers,
        HistoryVisibility visibility, TimeProvider time)
    {
        _visibility = visibility;
        _events = events;
        _database = events.Database;
        _clientEvents = clientEvents;
        _typing = typing;
        _presence = presence;
        _lazyMembers = lazyMembers;
        _time = time;
    }

    public async Task<SyncToken> GetCurrentTokenAsync(CancellationToken cancellationToken)
    {
        var positions = await _database.Streams.GetAllCurrentAsync(cancellationToken);
        return new SyncToken(
            positions[StreamName.Events].Value, positions[StreamName.AccountData].Value, positions[StreamName.Receipts].Value,
            positions[StreamName.ToDevice].Value, positions[StreamName.DeviceLists].Value, _presence.CurrentPosition, _typing.CurrentPosition, 0);
    }

    public async Task<SyncResult> ComputeAsync(SyncRequest request, CancellationToken cancellationToken)
    {
        var to = await GetCurrentTokenAsync(cancellationToken);
        // A token ahead of this server (an in-memory stream after a restart, a restored database) counts from now.
        SyncToken? since = request.Since is { } s ? Min(s, to) : null;
        var sync = new SyncContext(request, since, to);
        var user = request.Requester.UserId;
        var roomFilter = request.Filter.Room;

        // Memberships as of the "to" position (a membership that changed after it is read as it was then).
        var memberships = new Dictionary<RoomId, MembershipRecord>();
        foreach (var record in await _database.Memberships.GetMembershipsForUserAsync(user, cancellationToken))
        {
            var atTo = record.StreamPosition.Value > to.Events
                ? await _database.Memberships.GetMembershipAtAsync(record.RoomId, user, new StreamPosition(to.Events), cancellationToken)
                : record;
            if (atTo is not null && roomFilter.MatchesRoom(atTo.RoomId.Value))
            {
                memberships[atTo.RoomId] = atTo;
            }
        }
        var joined = memberships.Values.Where(m => m.Membership == Membership.Join).Select(m => m.RoomId).ToHashSet();
        sync.JoinedRooms = joined;

        var ignored = await ReadIgnoredUsersAsync(user, cancellationToken);
        sync.IgnoredUsers = ignored;

        var result = new SyncResult { NextBatch = to };
        await AddAccountDataAsync(sync, result, cancellationToken);
        await LoadRoomInputsAsync(sync, cancellationToken);

        // Which rooms to report, and how.
        var newlyJoined = new HashSet<RoomId>();
        var changedMembership = new Dictionary<RoomId, MembershipRecord>();
        if (since is { } from)
        {
            var changes = await _database.Memberships.GetMembershipChangesAsync(user, new StreamPosition(from.Events), new StreamPosition(to.Events), cancellationToken);
            foreach (var change in changes)
            {
                if (memberships.TryGetValue(change.RoomId, out var current))
                {
                    changedMembership[change.RoomId] = current;
                }
            }
            foreach (var (room, current) in changedMembership)
            {
                if (current.Membership == Membership.Join)
                {
                    var before = await _database.Memberships.GetMembershipAtAsync(room, user, new StreamPosition(from.Events), cancellationToken);
                    if (before?.Membership != Membership.Join)
                    {
                        newlyJoined.Add(room);
                    }
                }
            }
        }

        IEnumerable<RoomId> joinedToSync;
        if (since is null || request.FullState)
        {
            joinedToSync = joined;
        }
        else
        {
            var candidates = new HashSet<RoomId>(newlyJoined);
            candidates.UnionWith(sync.ReceiptsByRoom.Keys.Where(joined.Contains));
            candidates.UnionWith(sync.RoomAccountData.Keys.Where(joined.Contains));
            foreach (var room in joined)
            {
                if (_typing.GetTyping(room, since.Value.Typing).ChangedSince)
                {
                    candidates.Add(room);
                }
            }
            // One query finds the rooms with new events; past the cap every joined room is checked on its own.
            var recent = await _database.Events.GetEventsSinceAsync(joined, new StreamPosition(since.Value.Events), new StreamPosition(to.Events), 1000, cancellationToken);
            if (recent.Limited)
            {
                candidates.UnionWith(joined);
            }
            else
            {
                candidates.UnionWith(recent.Events.Select(e => e.RoomId));
            }
            joinedToSync = candidates;
        }

        var joinedResults = new System.Collections.Concurrent.ConcurrentDictionary<RoomId, JoinedRoomSync>();
        await Parallel.ForEachAsync(joinedToSync, new ParallelOptions { MaxDegreeOfParallelism = RoomParallelism, CancellationToken = cancellationToken },
            async (room, ct) =>
            {
                var built = await BuildJoinedRoomAsync(sync, room, memberships[room], newlyJoined.Contains(room), ct);
                if (built is not null)
                {
                    joinedResults[room] = built;
                }
            });
        foreach (var (room, built) in joinedResults.OrderBy(r => r.Key.Value, StringComparer.Ordinal))
        {
            result.Join[room] = built;
        }

        // Invites, knocks and leaves: all current ones initially, the changed ones incrementally.
        var others = since is null || request.FullState
            ? memberships.Values.Where(m => m.Membership != Membership.Join)
            : changedMembership.Values.Where(m => m.Membership != Membership.Join);
        // spec: "POST /rooms/{roomId}/forget": a forgotten room no longer appears in the user's sync.
        var forgotten = roomFilter.IncludeLeave || since is not null
            ? (await _database.ForgottenRooms.GetForgottenRoomsAsync(sync.Request.Requester.UserId, cancellationToken)).ToHashSet()
            : [];
        foreach (var record in others)
        {
            if (record.Membership is Membership.Leave or Membership.Ban && forgotten.Contains(record.RoomId))
            {
                continue;
            }
            switch (record.Membership)
            {
                case Membership.Invite:
                    if (await BuildStrippedStateAsync(sync, record, cancellationToken) is { } inviteState)
                    {
                        result.Invite[record.RoomId] = inviteState;
                    }
                    break;
                case Membership.Knock:
                    if (await BuildStrippedStateAsync(sync, record, cancellationToken) is { } knockState)
                    {
                        result.Knock[record.RoomId] = knockState;
                    }
                    break;
                case Membership.Leave or Membership.Ban:
                    // spec: include_leave governs initial (and full_state) syncs; a leave since the token is always reported.
                    if (since is not null && changedMembership.ContainsKey(record.RoomId) || roomFilter.IncludeLeave)
                    {
                        result.Leave[record.RoomId] = await BuildLeftRoomAsync(sync, record, cancellationToken);
                    }
                    break;
            }
        }

        await AddPresenceAsync(sync, result, cancellationToken);
        var nextToDevice = await AddToDeviceAsync(sync, result, cancellationToken);
        await AddKeyCountsAsync(sync, result, cancellationToken);
        if (since is not null)
        {
            await AddDeviceListsAsync(sync, result, newlyJoined, changedMembership, cancellationToken);
        }
        return nextToDevice == to.ToDevice ? result : CopyWith(result, to with { ToDevice = nextToDevice });
    }

    private static SyncResult CopyWith(SyncResult result, SyncToken next)
    {
        var copy = new SyncResult { NextBatch = next };
        foreach (var (k, v) in result.Join) { copy.Join[k] = v; }
        foreach (var (k, v) in result.Invite) { copy.Invite[k] = v; }
        foreach (var (k, v) in result.Knock) { copy.Knock[k] = v; }
        foreach (var (k, v) in result.Leave) { copy.Leave[k] = v; }
        copy.AccountData.AddRange(result.AccountData);
        copy.Presence.AddRange(result.Presence);
        copy.ToDevice.AddRange(result.ToDevice);
        copy.DeviceListsChanged.UnionWith(result.DeviceListsChanged);
        copy.DeviceListsLeft.UnionWith(result.DeviceListsLeft);
        foreach (var (k, v) in result.OneTimeKeyCounts) { copy.OneTimeKeyCounts[k] = v; }
        copy.UnusedFallbackKeyTypes.AddRange(result.UnusedFallbackKeyTypes);
        return copy;
    }

    private static SyncToken Min(SyncToken a, SyncToken b) => new(
        Math.Min(a.Events, b.Events), Math.Min(a.AccountData, b.AccountData), Math.Min(a.Receipts, b.Receipts), Math.Min(a.ToDevice, b.ToDevice),
        Math.Min(a.DeviceLists, b.DeviceLists), Math.Min(a.Presence, b.Presence), Math.Min(a.Typing, b.Typing), Math.Min(a.PushRules, b.PushRules));

    // ---- joined rooms ----

    private async Task<JoinedRoomSync?> BuildJoinedRoomAsync(SyncContext sync, RoomId room, MembershipRecord membership, bool newlyJoined, CancellationToken cancellationToken)
    {
        var request = sync.Request;
        bool full = sync.Since is null || request.FullState || newlyJoined;
        var from = new StreamPosition(sync.Since?.Events ?? 0);
        var upTo = new StreamPosition(sync.To.Events);
        var slice = await ReadTimelineAsync(sync, room, from, upTo, full ? membership.StreamPosition : null, cancellationToken);
        var joinedRoom = new JoinedRoomSync();
        await FillTimelineAndStateAsync(sync, room, slice, full, joinedRoom, cancellationToken);

        // Ephemeral: typing and receipts.
        var ephemeralFilter = request.Filter.Room.Ephemeral;
        var (typingUsers, typingChanged) = _typing.GetTyping(room, sync.Since?.Typing ?? -1);
        if ((sync.Since is null ? typingUsers.Count > 0 : typingChanged) && ephemeralFilter.Matches("m.typing", ""))
        {
            joinedRoom.Ephemeral.Add(SyncEvents.Build(w =>
            {
                w.WriteStartObject();
                w.WriteString("type", "m.typing");
                w.WriteStartObject("content");
                w.WriteStartArray("user_ids");
                foreach (var typingUser in typingUsers.Where(u => !sync.IgnoredUsers.Contains(u)))
                {
                    w.WriteStringValue(typingUser.Value);
                }
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndObject();
            }));
        }
        if (sync.ReceiptsByRoom.TryGetValue(room, out var receipts) && ephemeralFilter.Matches("m.receipt", ""))
        {
            joinedRoom.Ephemeral.Add(ReceiptEvent(receipts));
        }
        if (sync.RoomAccountData.TryGetValue(room, out var accountData))
        {
            joinedRoom.AccountData.AddRange(accountData);
        }

        if (!full && joinedRoom.Timeline.Count == 0 && joinedRoom.State.Count == 0 && joinedRoom.Ephemeral.Count == 0 && joinedRoom.AccountData.Count == 0)
        {
            return null;
        }

        // Summary when the membership may have changed (or the client knows nothing yet).
        if (full || slice.MembershipChanged)
        {
            joinedRoom.Summary = await BuildSummaryAsync(sync, room, slice, cancellationToken);
        }

        bool perThread = request.Filter.Room.Timeline.UnreadThreadNotifications;
        if (sync.UnreadByRoom.TryGetValue(room, out var counts))
        {
            if (perThread)
            {
                var main = counts.FirstOrDefault(c => c.ThreadId == UnreadCounter.MainThread);
                joinedRoom.Unread = main is null ? default : new UnreadCounts(main.NotificationCount, main.HighlightCount);
                joinedRoom.ThreadUnread = counts.Where(c => c.ThreadId != UnreadCounter.MainThread)
                    .ToDictionary(c => c.ThreadId, c => new UnreadCounts(c.NotificationCount, c.HighlightCount), StringComparer.Ordinal);
            }
            else
            {
                joinedRoom.Unread = new UnreadCounts(counts.Sum(c => c.NotificationCount), counts.Sum(c => c.HighlightCount));
            }
        }
        else if (perThread)
        {
            joinedRoom.ThreadUnread = [];
        }
        return joinedRoom;
    }

    /// <summary>The timeline window of a room: events after <paramref name="from"/> up to <paramref name="upTo"/>, newest <c>limit</c>.</summary>
    private async Task<TimelineSlice> ReadTimelineAsync(SyncContext sync, RoomId room, StreamPosition from, StreamPosition upTo, StreamPosition? visibleFrom, CancellationToken cancellationToken)
    {
        int limit = sync.Request.Filter.Room.Timeline.Limit ?? DefaultTimelineLimit;
        var chunk = await _database.Events.GetRoomTimelineAsync(room, from, upTo, limit, cancellationToken);
        var window = new List<StoredEvent>(chunk.Events.Count);
        for (int i = chunk.Events.Count - 1; i >= 0; i--)
        {
            window.Add(chunk.Events[i]);
        }
        bool limited = chunk.Limited;
        // Events from before the user's current membership are subject to the room's history visibility
        // (spec: client-server "Room History Visibility"); events since then the user saw as a member.
        if (visibleFrom is { } joinedAt && window.Count > 0 && window[0].StreamPosition < joinedAt)
        {
            var visible = await _visibility.FilterVisibleAsync(sync.Request.Requester.UserId, room, window, cancellationToken, filterIgnored: false);
            if (visible.Count < window.Count)
            {
                window = [.. visible];
                limited = false;
            }
        }
        return new TimelineSlice(window, limited, window.Any(e => e.Type == EventTypes.Member));
    }

    private async Task FillTimelineAndStateAsync(SyncContext sync, RoomId room, TimelineSlice slice, bool full, RoomTimelineSync target, CancellationToken cancellationToken)
    {
        var request = sync.Request;
        var timelineFilter = request.Filter.Room.Timeline;
        var stateFilter = request.Filter.Room.State;
        var window = slice.Window;

        var timeline = new List<StoredEvent>(window.Count);
        foreach (var e in window)
        {
            // spec: client-server "Ignoring Users": their events are not served (state stays, it shapes the room).
            if (e.StateKey is null && sync.IgnoredUsers.Contains(e.Sender))
            {
                continue;
            }
            JsonElement content = default;
            if (timelineFilter.ContainsUrl is not null)
            {
                content = (await _events.ToPduAsync(e, cancellationToken)).Content;
            }
            if (timelineFilter.Matches(e.Type, e.Sender.Value, room.Value, content))
            {
                timeline.Add(e);
            }
        }

        // The state reference point: before the first timeline event, or (use_state_after) after the last one.
        bool after = request.UseStateAfter;
        IReadOnlyDictionary<StateKey, EventId>? anchor = null;
        async Task<IReadOnlyDictionary<StateKey, EventId>> AnchorAsync()
        {
            if (anchor is null)
            {
                if (window.Count == 0)
                {
                    anchor = await StateAtAsync(room, new StreamPosition(sync.To.Events), cancellationToken);
                }
                else
                {
                    anchor = (after
                        ? await _database.State.GetStateAfterEventAsync(window[^1].EventId, cancellationToken)
                        : await _database.State.GetStateBeforeEventAsync(window[0].EventId, cancellationToken)) ?? new Dictionary<StateKey, EventId>();
                }
            }
            return anchor;
        }

        var stateIds = new Dictionary<StateKey, EventId>();
        if (full)
        {
            foreach (var (key, id) in await AnchorAsync())
            {
                stateIds[key] = id;
            }
        }
        else if (slice.Limited || (after && window.Any(e => e.StateKey is not null)))
        {
            // A gap (or state_after): the state that changed between the token and the reference point.
            var atSince = await StateAtAsync(room, new StreamPosition(sync.Since!.Value.Events), cancellationToken);
            foreach (var (key, id) in await AnchorAsync())
            {
                if (!atSince.TryGetValue(key, out var old) || old != id)
                {
                    stateIds[key] = id;
                }
            }
        }

        // Lazy-loading: member events only for the timeline's senders (and heroes), once per device.
        if (stateFilter.LazyLoadMembers)
        {
            foreach (var key in stateIds.Keys.Where(k => k.Type == EventTypes.Member).ToArray())
            {
                stateIds.Remove(key);
            }
            var wanted = new HashSet<UserId>(timeline.Select(e => e.Sender));
            if (full)
            {
                wanted.Add(sync.Request.Requester.UserId);
            }
            var inTimeline = timeline.Where(e => e.Type == EventTypes.Member && e.StateKey is not null)
                .Select(e => UserId.TryParse(e.StateKey, out var u) ? (UserId?)u : null).Where(u => u.HasValue).Select(u => u!.Value).ToArray();
            var needed = stateFilter.IncludeRedundantMembers
                ? wanted.ToList()
                : _lazyMembers.TakeUnsent(request.Requester.UserId, request.Requester.DeviceId, room, wanted);
            _lazyMembers.MarkSent(request.Requester.UserId, request.Requester.DeviceId, room, inTimeline);
            if (needed.Count > 0)
            {
                var reference = await AnchorAsync();
                foreach (var member in needed)
                {
                    var key = new StateKey(EventTypes.Member, member.Value);
                    if (reference.TryGetValue(key, out var id))
                    {
                        stateIds[key] = id;
                    }
                }
            }
        }

        // Leave out what the state filter excludes before loading anything.
        var wantedIds = stateIds.Where(kv => TypeAllowed(stateFilter, kv.Key.Type)).Select(kv => kv.Value).ToArray();
        var timelineIds = after ? [] : timeline.Select(e => e.EventId).ToHashSet();
        var stateEvents = new List<StoredEvent>();
        if (wantedIds.Length > 0)
        {
            var loaded = await _database.Events.GetEventsAsync(wantedIds, cancellationToken);
            foreach (var e in loaded.Values.OrderBy(e => e.StreamPosition.Value))
            {
                if (!timelineIds.Contains(e.EventId) && stateFilter.Matches(e.Type, e.Sender.Value, room.Value))
                {
                    stateEvents.Add(e);
                }
            }
        }

        target.Timeline = await _clientEvents.SerializeAsync(timeline, request.Requester, includeRoomId: false, cancellationToken: cancellationToken);
        target.State = await _clientEvents.SerializeAsync(stateEvents, request.Requester, includeRoomId: false, cancellationToken: cancellationToken);
        target.StateIsAfter = after;
        target.Limited = slice.Limited;
        // Back-pagination continues before the window's first event (an exclusive /messages "from" token).
        if (window.Count > 0)
        {
            target.PrevBatch = window[0].TopologicalToken.ToString();
        }
        if (stateEvents.Any(e => e.Type == EventTypes.Member))
        {
            slice.MembershipChanged = true;
        }
    }

    private static bool TypeAllowed(Filters.EventFilter filter, string type) =>
        filter.Matches(type, filter.Senders is { Count: > 0 } senders ? senders[0] : "");

    /// <summary>The room state after its last timeline event at or before <paramref name="position"/>.</summary>
    private async Task<IReadOnlyDictionary<StateKey, EventId>> StateAtAsync(RoomId room, StreamPosition position, CancellationToken cancellationToken)
    {
        var last = await _database.Events.GetRoomTimelineAsync(room, StreamPosition.Zero, position, 1, cancellationToken);
        if (last.Events.Count == 0)
        {
            return new Dictionary<StateKey, EventId>();
        }
        return await _database.State.GetStateAfterEventAsync(last.Events[0].EventId, cancellationToken) ?? new Dictionary<StateKey, EventId>();
    }

    private async Task<RoomSummary> BuildSummaryAsync(SyncContext sync, RoomId room, TimelineSlice slice, CancellationToken cancellationToken)
    {
        _ = slice;
        long joinedCount = await _database.Memberships.CountMembersAsync(room, Membership.Join, cancellationToken);
        long invitedCount = await _database.Memberships.CountMembersAsync(room, Membership.Invite, cancellationToken);
        IReadOnlyList<string>? heroes = null;
        bool named = await _database.State.GetCurrentStateEventIdAsync(room, new StateKey("m.room.name", ""), cancellationToken) is not null
            || await _database.State.GetCurrentStateEventIdAsync(room, new StateKey("m.room.canonical_alias", ""), cancellationToken) is not null;
        if (!named)
        {
            // spec: sync.yaml m.heroes: up to 5 joined or invited members other than the user; else those who left.
            var me = sync.Request.Requester.UserId;
            var candidates = (await _database.Memberships.GetMembersAsync(room, Membership.Join, cancellationToken))
                .Concat(await _database.Memberships.GetMembersAsync(room, Membership.Invite, cancellationToken))
                .Where(u => u != me).Take(5).Select(u => u.Value).ToList();
            if (candidates.Count == 0)
            {
                candidates = (await _database.Memberships.GetMembersAsync(room, Membership.Leave, cancellationToken))
                    .Concat(await _database.Memberships.GetMembersAsync(room, Membership.Ban, cancellationToken))
                    .Where(u => u != me).Take(5).Select(u => u.Value).ToList();
            }
            heroes = candidates;
        }
        return new RoomSummary(heroes, joinedCount, invitedCount);
    }

    private static byte[] ReceiptEvent(IReadOnlyList<Receipt> receipts) => SyncEvents.Build(w =>
    {
        // spec: client-server "m.receipt": { event_id: { receipt_type: { user_id: { ts, thread_id? } } } }
        w.WriteStartObject();
        w.WriteString("type", "m.receipt");
        w.WriteStartObject("content");
        foreach (var byEvent in receipts.GroupBy(r => r.EventId))
        {
            w.WriteStartObject(byEvent.Key.Value);
            foreach (var byType in byEvent.GroupBy(r => r.ReceiptType, StringComparer.Ordinal))
            {
                w.WriteStartObject(byType.Key);
                foreach (var receipt in byType)
                {
                    w.WriteStartObject(receipt.UserId.Value);
                    w.WriteNumber("ts", receipt.Ts);
                    if (receipt.ThreadId is not null)
                    {
                        w.WriteString("thread_id", receipt.ThreadId);
                    }
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    });

    // ---- left, invited and knocked rooms ----

    private async Task<RoomTimelineSync> BuildLeftRoomAsync(SyncContext sync, MembershipRecord leave, CancellationToken cancellationToken)
    {
        var left = new RoomTimelineSync();
        var before = leave.StreamPosition.Value > 0
            ? await _database.Memberships.GetMembershipAtAsync(leave.RoomId, sync.Request.Requester.UserId, new StreamPosition(leave.StreamPosition.Value - 1), cancellationToken)
            : null;
        if (before?.Membership != Membership.Join)
        {
            // A rejected invite or withdrawn knock: the user never saw the room, only their leave.
            var own = await _database.Events.GetEventAsync(leave.EventId, cancellationToken);
            if (own is not null)
            {
                left.Timeline = await _clientEvents.SerializeAsync([own], sync.Request.Requester, includeRoomId: false, cancellationToken: cancellationToken);
            }
            return left;
        }
        bool full = sync.Since is null || sync.Request.FullState;
        var from = new StreamPosition(full ? 0 : sync.Since!.Value.Events);
        var slice = await ReadTimelineAsync(sync, leave.RoomId, from, leave.StreamPosition, leave.StreamPosition, cancellationToken);
        await FillTimelineAndStateAsync(sync, leave.RoomId, slice, full, left, cancellationToken);
        if (sync.RoomAccountData.TryGetValue(leave.RoomId, out var accountData))
        {
            left.AccountData.AddRange(accountData);
        }
        return left;
    }

    private async Task<IReadOnlyList<byte[]>?> BuildStrippedStateAsync(SyncContext sync, MembershipRecord record, CancellationToken cancellationToken)
    {
        var member = await _events.GetPduAsync(record.EventId, cancellationToken);
        if (member is null || sync.IgnoredUsers.Contains(member.Sender) && record.Membership == Membership.Invite)
        {
            return null;
        }
        var state = new List<byte[]>();
        // Remote invites and knocks carry the room's stripped state (spec: server-server "invite_room_state", "knock_room_state").
        if (member.Root.TryGetProperty("unsigned", out var unsigned) && unsigned.ValueKind == JsonValueKind.Object &&
            (unsigned.TryGetProperty("invite_room_state", out var provided) || unsigned.TryGetProperty("knock_room_state", out provided))
            && provided.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in provided.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object)
                {
                    state.Add(System.Text.Encoding.UTF8.GetBytes(item.GetRawText()));
                }
            }
        }
        else
        {
            var events = await _database.State.GetCurrentStateEventsAsync(record.RoomId, StrippedStateTypes, cancellationToken);
            foreach (var e in events)
            {
                state.Add(SyncEvents.Stripped(await _events.ToPduAsync(e, cancellationToken)));
            }
            if (member.Sender != sync.Request.Requester.UserId &&
                await _database.State.GetCurrentStateEventIdAsync(record.RoomId, new StateKey(EventTypes.Member, member.Sender.Value), cancellationToken) is { } senderMemberId &&
                await _events.GetPduAsync(senderMemberId, cancellationToken) is { } senderMember)
            {
                state.Add(SyncEvents.Stripped(senderMember));
            }
        }
        // The invite (or knock) itself, in the client format so clients see its event ID and timestamp.
        var stored = await _database.Events.GetEventAsync(record.EventId, cancellationToken);
        if (stored is not null)
        {
            state.AddRange(await _clientEvents.SerializeAsync([stored], sync.Request.Requester, includeRoomId: false, cancellationToken: cancellationToken));
        }
        else
        {
            state.Add(SyncEvents.Stripped(member));
        }
        return state;
    }

    // ---- per-user streams ----

    private async Task<HashSet<UserId>> ReadIgnoredUsersAsync(UserId user, CancellationToken cancellationToken)
    {
        var ignored = new HashSet<UserId>();
        var entry = await _database.AccountData.GetAsync(user, null, "m.ignored_user_list", cancellationToken);
        if (entry is null)
        {
            return ignored;
        }
        try
        {
            using var document = JsonDocument.Parse(entry.Content);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("ignored_users", out var users) &&
                users.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in users.EnumerateObject())
                {
                    if (UserId.TryParse(property.Name, out var ignoredUser))
                    {
                        ignored.Add(ignoredUser);
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Unreadable content ignores no one.
        }
        return ignored;
    }

    private async Task AddAccountDataAsync(SyncContext sync, SyncResult result, CancellationToken cancellationToken)
    {
        var user = sync.Request.Requester.UserId;
        IReadOnlyList<AccountDataEntry> entries = sync.Since is { } since
            ? await _database.AccountData.GetChangedSinceAsync(user, new StreamPosition(since.AccountData), cancellationToken)
            : await _database.AccountData.GetAllAsync(user, cancellationToken);
        var filter = sync.Request.Filter;
        foreach (var entry in entries)
        {
            if (entry.StreamPosition.Value > sync.To.AccountData)
            {
                continue; // after "to": the next sync reports it
            }
            if (entry.RoomId is { } room)
            {
                if (filter.Room.AccountData.Matches(entry.Type, user.Value, room.Value))
                {
                    if (!sync.RoomAccountData.TryGetValue(room, out var list))
                    {
                        sync.RoomAccountData[room] = list = [];
                    }
                    list.Add(SyncEvents.TypeAndContent(entry.Type, entry.Content));
                }
            }
            else if (filter.AccountData.Matches(entry.Type, user.Value))
            {
                result.AccountData.Add(SyncEvents.TypeAndContent(entry.Type, entry.Content));
            }
        }
    }

    /// <summary>Receipts and unread counts of all the user's rooms, each in one query.</summary>
    private async Task LoadRoomInputsAsync(SyncContext sync, CancellationToken cancellationToken)
    {
        var user = sync.Request.Requester.UserId;
        if (sync.JoinedRooms.Count > 0)
        {
            var receipts = await _database.Receipts.GetChangedSinceAsync(sync.JoinedRooms, new StreamPosition(sync.Since?.Receipts ?? 0), cancellationToken);
            foreach (var receipt in receipts)
            {
                // Private receipts are only ever served to their owner (spec: client-server "Private read receipts").
                if (receipt.StreamPosition.Value > sync.To.Receipts ||
                    receipt.ReceiptType == ReceiptTypes.ReadPrivate && receipt.UserId != user ||
                    sync.IgnoredUsers.Contains(receipt.UserId))
                {
                    continue;
                }
                if (!sync.ReceiptsByRoom.TryGetValue(receipt.RoomId, out var list))
                {
                    sync.ReceiptsByRoom[receipt.RoomId] = list = [];
                }
                list.Add(receipt);
            }
        }
        foreach (var count in await _database.Notifications.GetUnreadCountsAsync(user, cancellationToken))
        {
            if (!sync.UnreadByRoom.TryGetValue(count.RoomId, out var list))
            {
                sync.UnreadByRoom[count.RoomId] = list = [];
            }
            list.Add(count);
        }
    }

    private async Task AddPresenceAsync(SyncContext sync, SyncResult result, CancellationToken cancellationToken)
    {
        if (!_presence.Enabled)
        {
            return;
        }
        var me = sync.Request.Requester.UserId;
        var filter = sync.Request.Filter.Presence;
        if (!filter.Matches("m.presence", me.Value) && filter.Types is not null)
        {
            return;
        }
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var status in _presence.GetChangedSince(sync.Since?.Presence ?? 0))
        {
            if (!filter.Matches("m.presence", status.UserId.Value) || sync.IgnoredUsers.Contains(status.UserId))
            {
                continue;
            }
            if (status.UserId != me)
            {
                var theirRooms = await _database.Memberships.GetRoomsForUserAsync(status.UserId, Membership.Join, cancellationToken);
                if (!theirRooms.Any(sync.JoinedRooms.Contains))
                {
                    continue;
                }
            }
            result.Presence.Add(SyncEvents.Build(w => PresenceTracker.WriteEvent(w, status, now)));
        }
    }

    /// <summary>spec: client-server "Extensions to /sync" (E2EE): the device's one-time key counts and unused fallback key types.</summary>
    private async Task AddKeyCountsAsync(SyncContext sync, SyncResult result, CancellationToken cancellationToken)
    {
        if (sync.Request.Requester.DeviceId is not { } device)
        {
            return;
        }
        var user = sync.Request.Requester.UserId;
        foreach (var (algorithm, count) in await _database.E2eeKeys.CountOneTimeKeysAsync(user, device, cancellationToken))
        {
            result.OneTimeKeyCounts[algorithm] = count;
        }
        result.UnusedFallbackKeyTypes.AddRange(await _database.E2eeKeys.GetUnusedFallbackKeyTypesAsync(user, device, cancellationToken));
    }

    /// <summary>Delivers the device's to-device messages; returns the to-device position next_batch may claim.</summary>
    private async Task<long> AddToDeviceAsync(SyncContext sync, SyncResult result, CancellationToken cancellationToken)
    {
        var requester = sync.Request.Requester;
        if (requester.DeviceId is not { } device)
        {
            return sync.To.ToDevice;
        }
        var since = new StreamPosition(sync.Since?.ToDevice ?? 0);
        if (sync.Since is not null)
        {
            // spec: client-server "Send-to-Device messaging": syncing past a token acknowledges what it delivered.
            await _database.ToDevice.DeleteUpToAsync(requester.UserId, device, since, cancellationToken);
        }
        var messages = await _database.ToDevice.GetAsync(requester.UserId, device, since, new StreamPosition(sync.To.ToDevice), MaxToDeviceMessages, cancellationToken);
        foreach (var message in messages)
        {
            result.ToDevice.Add(SyncEvents.Build(w =>
            {
                w.WriteStartObject();
                w.WriteString("type", message.Type);
                w.WriteString("sender", message.Sender.Value);
                w.WritePropertyName("content");
                w.WriteRawValue(message.Content, skipInputValidation: true);
                w.WriteEndObject();
            }));
        }
        // More waiting than one response carries: the next sync continues after the last one delivered.
        return messages.Count == MaxToDeviceMessages ? messages[^1].StreamPosition.Value : sync.To.ToDevice;
    }

    private async Task AddDeviceListsAsync(SyncContext sync, SyncResult result, HashSet<RoomId> newlyJoined,
        Dictionary<RoomId, MembershipRecord> changedMembership, CancellationToken cancellationToken)
    {
        var me = sync.Request.Requester.UserId;
        var since = sync.Since!.Value;
        async Task<bool> SharesRoomAsync(UserId other) =>
            (await _database.Memberships.GetRoomsForUserAsync(other, Membership.Join, cancellationToken)).Any(sync.JoinedRooms.Contains);

        if (since.DeviceLists < sync.To.DeviceLists)
        {
            foreach (var changed in await _database.Devices.GetDeviceListChangesAsync(new StreamPosition(since.DeviceLists), null, cancellationToken))
            {
                if (changed == me || await SharesRoomAsync(changed))
                {
                    result.DeviceListsChanged.Add(changed);
                }
            }
        }
        // spec: client-server "Tracking the device list for a user": users who now share a room are "changed",
        // users who no longer share any are "left".
        foreach (var room in newlyJoined)
        {
            foreach (var member in await _database.Memberships.GetMembersAsync(room, Membership.Join, cancellationToken))
            {
                if (member != me)
                {
                    result.DeviceListsChanged.Add(member);
                }
            }
        }
        foreach (var (room, record) in changedMembership)
        {
            if (record.Membership is Membership.Leave or Membership.Ban)
            {
                foreach (var member in await _database.Memberships.GetMembersAsync(room, Membership.Join, cancellationToken))
                {
                    if (member != me && !await SharesRoomAsync(member))
                    {
                        result.DeviceListsLeft.Add(member);
                    }
                }
            }
        }
        // Users who joined or left the requester's rooms in between (their latest change in each room counts).
        var memberChanges = await _database.Memberships.GetRoomMembershipChangesAsync(sync.JoinedRooms, new StreamPosition(since.Events), new StreamPosition(sync.To.Events), cancellationToken);
        foreach (var change in memberChanges.GroupBy(c => (c.RoomId, c.UserId)).Select(g => g.Last()))
        {
            if (change.UserId == me)
            {
                continue;
            }
            var membership = await _database.Memberships.GetMembershipAsync(change.RoomId, change.UserId, cancellationToken);
            if (membership?.Membership == Membership.Join && membership.EventId == change.EventId)
            {
                result.DeviceListsChanged.Add(change.UserId);
            }
            else if (membership?.Membership is Membership.Leave or Membership.Ban && !await SharesRoomAsync(change.UserId))
            {
                result.DeviceListsLeft.Add(change.UserId);
            }
        }
        result.DeviceListsChanged.ExceptWith(result.DeviceListsLeft);
    }

    /// <summary>Per-request state shared by the room builders.</summary>
    private sealed class SyncContext(SyncRequest request, SyncToken? since, SyncToken to)
    {
        public SyncRequest Request { get; } = request;
        public SyncToken? Since { get; } = since;
        public SyncToken To { get; } = to;
        public HashSet<RoomId> JoinedRooms { get; set; } = [];
        public HashSet<UserId> IgnoredUsers { get; set; } = [];
        public Dictionary<RoomId, List<byte[]>> RoomAccountData { get; } = [];
        public Dictionary<RoomId, List<Receipt>> ReceiptsByRoom { get; } = [];
        public Dictionary<RoomId, List<Storage.Notifications.UnreadCount>> UnreadByRoom { get; } = [];
    }

    /// <summary>A room's timeline window (oldest first) and whether older events were left out.</summary>
    private sealed class TimelineSlice(List<StoredEvent> window, bool limited, bool membershipChanged)
    {
        public List<StoredEvent> Window { get; } = window;
        public bool Limited { get; } = limited;
        public bool MembershipChanged { get; set; } = membershipChanged;
    }
}
