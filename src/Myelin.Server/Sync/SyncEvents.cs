using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Myelin.Protocol.Events;

namespace Myelin.Server.Sync;

/// <summary>Builds the small non-room events /sync carries (account data, ephemeral, stripped state, to-device).</summary>
public static class SyncEvents
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Build(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            write(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary><c>{"type": ..., "content": ...}</c> with the stored content JSON copied as is.</summary>
    public static byte[] TypeAndContent(string type, string contentJson) => Build(w =>
    {
        w.WriteStartObject();
        w.WriteString("type", type);
        w.WritePropertyName("content");
        w.WriteRawValue(contentJson, skipInputValidation: true);
        w.WriteEndObject();
    });

    /// <summary>spec: client-server "Stripped state": type, state_key, sender and content only.</summary>
    public static byte[] Stripped(Pdu pdu) => Build(w =>
    {
        w.WriteStartObject();
        w.WriteString("type", pdu.Type);
        w.WriteString("state_key", pdu.StateKey ?? "");
        w.WriteString("sender", pdu.Sender.Value);
        w.WritePropertyName("content");
        pdu.Content.WriteTo(w);
        w.WriteEndObject();
    });
}
