namespace Myelin.Server.Configuration;

/// <summary>A loaded configuration and the warnings (unknown keys, ignored options) found while reading it.</summary>
public sealed record ConfigLoadResult(MyelinConfig Config, IReadOnlyList<string> Warnings);
