using Myelin.Storage.Events;

namespace Myelin.Storage.Search;

/// <summary>An indexed event that matched, with its relevance (higher is closer) and the text it was found in.</summary>
public sealed record SearchHit(StoredEvent Event, double Rank);
