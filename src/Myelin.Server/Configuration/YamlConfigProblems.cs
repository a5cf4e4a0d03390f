namespace Myelin.Server.Configuration;

/// <summary>What went wrong while reading a config file: errors stop the server, warnings do not.</summary>
internal sealed class YamlConfigProblems
{
    public List<string> Errors { get; } = [];
    public List<string> Warnings { get; } = [];
    public List<YamlSection> Sections { get; } = [];
}
