using System.Buffers;
using System.Text.Json;
using Myelin.Protocol.Identifiers;

namespace Myelin.Protocol.Push;

/// <summary>
/// One user's push rules: the server defaults merged with the user's own rules and changes, in
/// priority order (override, content, room, sender, underride; within a kind, user rules above
/// server defaults, except <c>.m.rule.master</c>, which is always first). Immutable: edits return a
/// new set, so one instance can be evaluated from many threads while another is being edited.
/// spec: client-server push "Push Rules", "Predefined Rules"; pushrules.yaml; m.push_rules.
/// </summary>
public sealed class PushRuleSet
{
    private const int KindCount = 5;

    private readonly PushRule[][] _rules;
    // Enabled rules of every kind in evaluation order: the hot path walks one flat array.
    private readonly PushRule[] _enabled;

    private PushRuleSet(UserId user, PushRule[][] rules)
    {
        User = user;
        _rules = rules;
        _enabled = [.. rules.SelectMany(r => r).Where(r => r.Enabled)];
    }

    /// <summary>The user whose rules these are (<c>invite_for_me</c> and <c>is_user_mention</c> name them).</summary>
    public UserId User { get; }

    /// <summary>The server-default rules only.</summary>
    public static PushRuleSet CreateDefault(UserId user)
    {
        var rules = new PushRule[KindCount][];
        foreach (PushRuleKind kind in PushRuleKinds.InEvaluationOrder)
        {
            rules[(int)kind] = [.. DefaultPushRules.For(kind, user)];
        }
        return new PushRuleSet(user, rules);
    }

    /// <summary>
    /// Rebuilds the set from the user's stored <c>m.push_rules</c> account data (<c>{"global": {...}}</c>;
    /// a bare ruleset object is accepted too). User rules keep their stored order; server-default
    /// rules keep the server's conditions and order but take the stored <c>enabled</c> and
    /// <c>actions</c>. Stored dot-prefixed rules the server no longer defines (e.g. the legacy
    /// <c>.m.rule.contains_display_name</c>, removed in v1.17) are dropped. Never throws on bad data:
    /// unreadable entries are skipped.
    /// </summary>
    public static PushRuleSet FromAccountData(UserId user, JsonElement content)
    {
        JsonElement global = content.ValueKind == JsonValueKind.Object
                             && content.TryGetProperty("global", out JsonElement g) && g.ValueKind == JsonValueKind.Object
            ? g
            : content;
        var rules = new PushRule[KindCount][];
        foreach (PushRuleKind kind in PushRuleKinds.InEvaluationOrder)
        {
            List<PushRule> defaults = [.. DefaultPushRules.For(kind, user)];
            var userRules = new List<PushRule>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            if (global.ValueKind == JsonValueKind.Object
                && global.TryGetProperty(kind.ToWireName(), out JsonElement stored)
                && stored.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in stored.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Object
                        || !item.TryGetProperty("rule_id", out JsonElement idJson) || idJson.ValueKind != JsonValueKind.String
                        || !seen.Add(idJson.GetString()!))
                    {
                        continue;
                    }
                    string ruleId = idJson.GetString()!;
                    int defaultIndex = defaults.FindIndex(r => r.RuleId == ruleId);
                    if (defaultIndex >= 0)
                    {
                        defaults[defaultIndex] = ApplyStoredState(defaults[defaultIndex], item);
                    }
                    else if (!PushRule.IsDefaultId(ruleId) && PushRule.ReadStored(kind, item, isDefault: false) is { } rule)
                    {
                        userRules.Add(rule);
                    }
                }
            }
            int top = UserRulesStart(defaults);
            defaults.InsertRange(top, userRules);
            rules[(int)kind] = [.. defaults];
        }
        return new PushRuleSet(user, rules);
    }

    /// <summary>Reads stored account data from its JSON bytes; malformed JSON yields the defaults.</summary>
    public static PushRuleSet FromAccountData(UserId user, ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            return FromAccountData(user, JsonElement.ParseValue(ref reader));
        }
        catch (JsonException)
        {
            return CreateDefault(user);
        }
    }

    /// <summary>The rules of one kind, highest priority first.</summary>
    public IReadOnlyList<PushRule> GetRules(PushRuleKind kind) => _rules[(int)kind];

    public PushRule? Find(PushRuleKind kind, string ruleId) =>
        Array.Find(_rules[(int)kind], r => string.Equals(r.RuleId, ruleId, StringComparison.Ordinal));

    /// <summary>
    /// The first enabled rule that matches the event, in priority order. Events the user sent
    /// themselves never match (spec: push "Push Rules": "MUST NOT notify ... events that the user has sent themselves").
    /// </summary>
    public PushEvaluation Evaluate(PushEvent pushEvent, in PushContext context)
    {
        ArgumentNullException.ThrowIfNull(pushEvent);
        if (string.Equals(pushEvent.Sender, User.Value, StringComparison.Ordinal))
        {
            return default;
        }
        foreach (PushRule rule in _enabled)
        {
            if (rule.Matches(pushEvent, context))
            {
                return new PushEvaluation(rule);
            }
        }
        return default;
    }

    /// <summary>
    /// <c>PUT /pushrules/global/{kind}/{ruleId}</c>: parses the body and adds or updates the rule.
    /// </summary>
    public PushRuleEdit Put(PushRuleKind kind, string ruleId, JsonElement body, string? before = null, string? after = null)
    {
        PushRule? rule = PushRule.ParseClientRule(kind, ruleId, body, out PushRuleError? error);
        return rule is null ? PushRuleEdit.Failure(error!) : Add(rule, before, after);
    }

    /// <summary>
    /// Adds a user rule, or updates the user rule of that kind and ID (keeping its enabled flag).
    /// With <paramref name="before"/> (which wins when both are given) the rule becomes the next
    /// more important rule than that user rule; with <paramref name="after"/>, the next less
    /// important. Without either, a new rule becomes the most important user rule of its kind and
    /// an updated rule keeps its place. Rules cannot be placed relative to server-default rules.
    /// spec: pushrules.yaml setPushRule.
    /// </summary>
    public PushRuleEdit Add(PushRule rule, string? before = null, string? after = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (PushRule.ValidateClientRuleId(rule.RuleId) is { } invalid)
        {
            return PushRuleEdit.Failure(invalid);
        }
        var list = new List<PushRule>(_rules[(int)rule.Kind]);
        int existing = list.FindIndex(r => r.RuleId == rule.RuleId);
        if (existing >= 0)
        {
            rule = rule.WithEnabled(list[existing].Enabled);
        }

        string? relativeTo = before ?? after;
        if (relativeTo is not null)
        {
            int relative = list.FindIndex(r => r.RuleId == relativeTo);
            if (relative < 0 || list[relative].IsDefault || relativeTo == rule.RuleId)
            {
                return PushRuleEdit.Failure(PushRuleErrorKind.RelativeRuleNotFound, $"before/after rule not found: {relativeTo}");
            }
            if (existing >= 0)
            {
                list.RemoveAt(existing);
                if (existing < relative)
                {
                    relative--;
                }
            }
            list.Insert(before is not null ? relative : relative + 1, rule);
        }
        else if (existing >= 0)
        {
            list[existing] = rule;
        }
        else
        {
            list.Insert(UserRulesStart(list), rule);
        }
        return PushRuleEdit.Success(With(rule.Kind, list));
    }

    /// <summary><c>DELETE /pushrules/global/{kind}/{ruleId}</c>. Server-default rules cannot be deleted.</summary>
    public PushRuleEdit Delete(PushRuleKind kind, string ruleId)
    {
        var list = new List<PushRule>(_rules[(int)kind]);
        int index = list.FindIndex(r => r.RuleId == ruleId);
        if (index < 0)
        {
            return NotFound(kind, ruleId);
        }
        if (list[index].IsDefault)
        {
            return PushRuleEdit.Failure(PushRuleErrorKind.ServerDefaultRule, "Cannot delete a server-default push rule.");
        }
        list.RemoveAt(index);
        return PushRuleEdit.Success(With(kind, list));
    }

    /// <summary><c>PUT /pushrules/global/{kind}/{ruleId}/enabled</c>; works on server-default rules too.</summary>
    public PushRuleEdit SetEnabled(PushRuleKind kind, string ruleId, bool enabled) =>
        Replace(kind, ruleId, r => r.WithEnabled(enabled));

    /// <summary>
    /// <c>PUT /pushrules/global/{kind}/{ruleId}/actions</c>; works on server-default rules too.
    /// Historical actions should already be stripped (see <see cref="PushAction.TryParseList"/>).
    /// </summary>
    public PushRuleEdit SetActions(PushRuleKind kind, string ruleId, IReadOnlyList<PushAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        return Replace(kind, ruleId, r => r.WithActions(actions));
    }

    /// <summary>
    /// Writes <c>{"global": {...}}</c>: the body of <c>GET /pushrules/</c> and the content of the
    /// <c>m.push_rules</c> account-data event.
    /// </summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WritePropertyName("global");
        WriteRulesetTo(writer);
        writer.WriteEndObject();
    }

    /// <summary>Writes the ruleset object (the body of <c>GET /pushrules/global/</c>), every kind present.</summary>
    public void WriteRulesetTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        foreach (PushRuleKind kind in PushRuleKinds.InEvaluationOrder)
        {
            writer.WriteStartArray(kind.ToWireName());
            foreach (PushRule rule in _rules[(int)kind])
            {
                rule.WriteTo(writer);
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    /// <summary><c>{"global": {...}}</c> as UTF-8 JSON.</summary>
    public byte[] ToJsonBytes()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, PushJson.WriterOptions))
        {
            WriteTo(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }

    private PushRuleEdit Replace(PushRuleKind kind, string ruleId, Func<PushRule, PushRule> change)
    {
        PushRule[] current = _rules[(int)kind];
        int index = Array.FindIndex(current, r => string.Equals(r.RuleId, ruleId, StringComparison.Ordinal));
        if (index < 0)
        {
            return NotFound(kind, ruleId);
        }
        var list = new List<PushRule>(current);
        list[index] = change(list[index]);
        return PushRuleEdit.Success(With(kind, list));
    }

    private PushRuleSet With(PushRuleKind kind, List<PushRule> list)
    {
        var rules = (PushRule[][])_rules.Clone();
        rules[(int)kind] = [.. list];
        return new PushRuleSet(User, rules);
    }

    private static PushRuleEdit NotFound(PushRuleKind kind, string ruleId) =>
        PushRuleEdit.Failure(PushRuleErrorKind.NotFound, $"No {kind.ToWireName()} push rule '{ruleId}'.");

    // User rules sit below .m.rule.master and above every other server default (spec: "Predefined Rules").
    private static int UserRulesStart(List<PushRule> rules)
    {
        int index = 0;
        while (index < rules.Count && rules[index].IsDefault && rules[index].RuleId == DefaultPushRules.Master)
        {
            index++;
        }
        return index;
    }

    // A stored copy of a server-default rule contributes only the user's choices: enabled and actions.
    private static PushRule ApplyStoredState(PushRule rule, JsonElement stored)
    {
        if (stored.TryGetProperty("enabled", out JsonElement enabled) && enabled.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            rule = rule.WithEnabled(enabled.ValueKind == JsonValueKind.True);
        }
        if (stored.TryGetProperty("actions", out JsonElement actionsJson)
            && PushAction.TryParseList(actionsJson, strict: false, out IReadOnlyList<PushAction>? actions))
        {
            rule = rule.WithActions(actions);
        }
        return rule;
    }
}
