using System.Diagnostics.CodeAnalysis;

namespace Myelin.Protocol.Push;

/// <summary>Wire names of <see cref="PushRuleKind"/> (the <c>{kind}</c> path segment and ruleset keys).</summary>
public static class PushRuleKinds
{
    /// <summary>All kinds, highest priority first.</summary>
    public static IReadOnlyList<PushRuleKind> InEvaluationOrder { get; } =
        [PushRuleKind.Override, PushRuleKind.Content, PushRuleKind.Room, PushRuleKind.Sender, PushRuleKind.Underride];

    public static string ToWireName(this PushRuleKind kind) => kind switch
    {
        PushRuleKind.Override => "override",
        PushRuleKind.Content => "content",
        PushRuleKind.Room => "room",
        PushRuleKind.Sender => "sender",
        PushRuleKind.Underride => "underride",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static bool TryParse([NotNullWhen(true)] string? wireName, out PushRuleKind kind)
    {
        switch (wireName)
        {
            case "override": kind = PushRuleKind.Override; return true;
            case "content": kind = PushRuleKind.Content; return true;
            case "room": kind = PushRuleKind.Room; return true;
            case "sender": kind = PushRuleKind.Sender; return true;
            case "underride": kind = PushRuleKind.Underride; return true;
            default: kind = default; return false;
        }
    }

    /// <summary>Whether rules of this kind carry a <c>conditions</c> list (override and underride).</summary>
    public static bool HasConditions(this PushRuleKind kind) => kind is PushRuleKind.Override or PushRuleKind.Underride;
}
