namespace Myelin.Server.Configuration;

/// <summary>How log lines are written to the console.</summary>
public enum LogFormat
{
    /// <summary>One human-readable line per event.</summary>
    Text,

    /// <summary>One JSON object per line, for log collectors.</summary>
    Json,
}
