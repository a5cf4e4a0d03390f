using System.Diagnostics.CodeAnalysis;

namespace Myelin.Protocol.Push;

/// <summary>The result of editing a <see cref="PushRuleSet"/>: the new set, or why the edit was refused.</summary>
public readonly record struct PushRuleEdit
{
    private PushRuleEdit(PushRuleSet? ruleSet, PushRuleError? error)
    {
        RuleSet = ruleSet;
        Error = error;
    }

    /// <summary>The edited rule set (the original is unchanged); null on error.</summary>
    public PushRuleSet? RuleSet { get; }
    public PushRuleError? Error { get; }

    [MemberNotNullWhen(true, nameof(RuleSet))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    public static PushRuleEdit Success(PushRuleSet ruleSet) => new(ruleSet ?? throw new ArgumentNullException(nameof(ruleSet)), null);
    public static PushRuleEdit Failure(PushRuleError error) => new(null, error ?? throw new ArgumentNullException(nameof(error)));
    public static PushRuleEdit Failure(PushRuleErrorKind kind, string message) => new(null, new PushRuleError(kind, message));
}
