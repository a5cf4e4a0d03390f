namespace Myelin.Server.Timeline;

/// <summary>The relation types the server knows. spec: client-server "Relationship types".</summary>
public static class RelationTypes
{
    public const string Replace = "m.replace";
    public const string Thread = "m.thread";
    public const string Reference = "m.reference";
    public const string Annotation = "m.annotation";
}
