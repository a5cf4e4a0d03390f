using System.Text.Json.Serialization;

namespace Myelin.Protocol.Push;

/// <summary>Source-generated metadata for the few primitive values the push model serializes.</summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
internal sealed partial class PushJsonContext : JsonSerializerContext;
