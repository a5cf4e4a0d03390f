namespace Myelin.Server.Configuration;

/// <summary>The resource names a listener may serve (Synapse's <c>listeners[].resources[].names</c>).</summary>
public static class ListenerResources
{
    /// <summary><c>/_matrix/client</c>, <c>/.well-known/matrix/*</c>, <c>/_synapse/admin</c> and the media API.</summary>
    public const string Client = "client";

    /// <summary><c>/_matrix/federation</c>, <c>/_matrix/key</c> and the media API.</summary>
    public const string Federation = "federation";

    /// <summary><c>/_matrix/key</c> only.</summary>
    public const string Keys = "keys";

    /// <summary><c>/_matrix/media</c> only.</summary>
    public const string Media = "media";

    /// <summary>Prometheus metrics at <c>/metrics</c>.</summary>
    public const string Metrics = "metrics";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Client, Federation, Keys, Media, Metrics };
}
