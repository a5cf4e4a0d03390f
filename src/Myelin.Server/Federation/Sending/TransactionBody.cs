using System.Text.Json;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Federation.Sending;

/// <summary>
/// The JSON of a <c>PUT /_matrix/federation/v1/send/{txnId}</c> body. spec: server-server "Transactions"
/// (transaction.yaml: origin, origin_server_ts, pdus; edus may be omitted when empty).
/// </summary>
public static class TransactionBody
{
    public static byte[] Build(ServerName origin, long originServerTs, IEnumerable<Pdu> pdus, IEnumerable<(string EduType, JsonElement Content)> edus)
    {
        ArgumentNullException.ThrowIfNull(pdus);
        ArgumentNullException.ThrowIfNull(edus);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("origin", origin.Value);
            writer.WriteNumber("origin_server_ts", originServerTs);
            writer.WriteStartArray("pdus");
            foreach (var pdu in pdus)
            {
                WritePdu(writer, pdu);
            }
            writer.WriteEndArray();
            bool any = false;
            foreach (var (type, content) in edus)
            {
                if (!any)
                {
                    writer.WriteStartArray("edus");
                    any = true;
                }
                writer.WriteStartObject();
                writer.WriteString("edu_type", type);
                writer.WritePropertyName("content");
                content.WriteTo(writer);
                writer.WriteEndObject();
            }
            if (any)
            {
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// A PDU as other servers get it: the signed event without our <c>unsigned</c> bookkeeping (e.g. <c>replaces_state</c>),
    /// which is not covered by the signatures and means nothing to the receiver.
    /// </summary>
    public static void WritePdu(Utf8JsonWriter writer, Pdu pdu)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(pdu);
        writer.WriteStartObject();
        foreach (var property in pdu.Root.EnumerateObject())
        {
            if (property.NameEquals("unsigned"u8))
            {
                continue;
            }
            property.WriteTo(writer);
        }
        writer.WriteEndObject();
    }
}
