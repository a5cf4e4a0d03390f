using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Myelin.Server.Sync;

/// <summary>Writes a <see cref="SyncResult"/> as the /sync response body. spec: openapi sync.yaml.</summary>
public static class SyncResponseWriter
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] ToUtf8(SyncResult result)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            Write(writer, result);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(Utf8JsonWriter writer, SyncResult result)
    {
        writer.WriteStartObject();
        writer.WriteString("next_batch", result.NextBatch.ToString());

        writer.WriteStartObject("rooms");
        writer.WriteStartObject("join");
        foreach (var (room, joined) in result.Join)
        {
            writer.WriteStartObject(room.Value);
            WriteTimelineRoom(writer, joined);
            WriteEvents(writer, "ephemeral", joined.Ephemeral);
            writer.WriteStartObject("summary");
            if (joined.Summary is { } summary)
            {
                if (summary.Heroes is { } heroes)
                {
                    writer.WriteStartArray("m.heroes");
                    foreach (var hero in heroes)
                    {
                        writer.WriteStringValue(hero);
                    }
                    writer.WriteEndArray();
                }
                if (summary.JoinedMemberCount is { } j)
                {
                    writer.WriteNumber("m.joined_member_count", j);
                }
                if (summary.InvitedMemberCount is { } i)
                {
                    writer.WriteNumber("m.invited_member_count", i);
                }
            }
            writer.WriteEndObject();
            writer.WritePropertyName("unread_notifications");
            WriteCounts(writer, joined.Unread);
            if (joined.ThreadUnread is { } threads)
            {
                writer.WriteStartObject("unread_thread_notifications");
                foreach (var (thread, counts) in threads)
                {
                    writer.WritePropertyName(thread);
                    WriteCounts(writer, counts);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
        WriteStrippedRooms(writer, "invite", "invite_state", result.Invite);
        WriteStrippedRooms(writer, "knock", "knock_state", result.Knock);
        writer.WriteStartObject("leave");
        foreach (var (room, left) in result.Leave)
        {
            writer.WriteStartObject(room.Value);
            WriteTimelineRoom(writer, left);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
        writer.WriteEndObject();

        WriteEvents(writer, "account_data", result.AccountData);
        WriteEvents(writer, "presence", result.Presence);
        WriteEvents(writer, "to_device", result.ToDevice);

        writer.WriteStartObject("device_lists");
        writer.WriteStartArray("changed");
        foreach (var user in result.DeviceListsChanged.OrderBy(u => u.Value, StringComparer.Ordinal))
        {
            writer.WriteStringValue(user.Value);
        }
        writer.WriteEndArray();
        writer.WriteStartArray("left");
        foreach (var user in result.DeviceListsLeft.OrderBy(u => u.Value, StringComparer.Ordinal))
        {
            writer.WriteStringValue(user.Value);
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteStartObject("device_one_time_keys_count");
        foreach (var (algorithm, count) in result.OneTimeKeyCounts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            writer.WriteNumber(algorithm, count);
        }
        writer.WriteEndObject();
        writer.WriteStartArray("device_unused_fallback_key_types");
        foreach (string algorithm in result.UnusedFallbackKeyTypes)
        {
            writer.WriteStringValue(algorithm);
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteTimelineRoom(Utf8JsonWriter writer, RoomTimelineSync room)
    {
        writer.WriteStartObject("timeline");
        WriteRawArray(writer, "events", room.Timeline);
        writer.WriteBoolean("limited", room.Limited);
        if (room.PrevBatch is not null)
        {
            writer.WriteString("prev_batch", room.PrevBatch);
        }
        writer.WriteEndObject();
        // spec: sync.yaml use_state_after: state_after replaces state (never both).
        WriteEvents(writer, room.StateIsAfter ? "state_after" : "state", room.State);
        WriteEvents(writer, "account_data", room.AccountData);
    }

    private static void WriteStrippedRooms(Utf8JsonWriter writer, string name, string stateName, Dictionary<Protocol.Identifiers.RoomId, IReadOnlyList<byte[]>> rooms)
    {
        writer.WriteStartObject(name);
        foreach (var (room, state) in rooms)
        {
            writer.WriteStartObject(room.Value);
            WriteEvents(writer, stateName, state);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    private static void WriteCounts(Utf8JsonWriter writer, UnreadCounts counts)
    {
        writer.WriteStartObject();
        writer.WriteNumber("notification_count", counts.NotificationCount);
        writer.WriteNumber("highlight_count", counts.HighlightCount);
        writer.WriteEndObject();
    }

    private static void WriteEvents(Utf8JsonWriter writer, string name, IReadOnlyList<byte[]> events)
    {
        writer.WriteStartObject(name);
        WriteRawArray(writer, "events", events);
        writer.WriteEndObject();
    }

    private static void WriteRawArray(Utf8JsonWriter writer, string name, IReadOnlyList<byte[]> events)
    {
        writer.WriteStartArray(name);
        foreach (var e in events)
        {
            writer.WriteRawValue(e, skipInputValidation: true);
        }
        writer.WriteEndArray();
    }
}
