using System.Text.Json.Serialization;

namespace Myelin.Server.Receipts;

[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ReceiptJsonContext : JsonSerializerContext;
