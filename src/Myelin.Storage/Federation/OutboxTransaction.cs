using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Federation;

/// <summary>A transaction's durable items, each list in queue order.</summary>
public sealed record OutboxTransaction(string TxnId, IReadOnlyList<EventId> Pdus, IReadOnlyList<OutboxEdu> Edus);

/// <summary>A queued durable EDU: its type and its content as JSON text.</summary>
public sealed record OutboxEdu(string EduType, string Content);
