using System.Text.Json;

namespace Myelin.Protocol.Push;

/// <summary>
/// One push rule of a given <see cref="Kind"/>. Immutable; its glob patterns are compiled once here.
/// Shape by kind: override/underride carry <see cref="Conditions"/>, content carries
/// <see cref="Pattern"/>, room and sender rules match on their <see cref="RuleId"/>.
/// spec: client-server push "Push Rules"; definitions/push_rule.yaml.
/// </summary>
public sealed class PushRule
{
    private readonly GlobPattern? _pattern;
    // Arrays, not interfaces, so the hot loop in Matches does not box an enumerator.
    private readonly PushCondition[]? _conditions;
    private readonly PushAction[] _actions;

    private PushRule(
        PushRuleKind kind,
        string ruleId,
        bool isDefault,
        bool enabled,
        PushAction[] actions,
        PushCondition[]? conditions,
        GlobPattern? pattern)
    {
        Kind = kind;
        RuleId = ruleId;
        IsDefault = isDefault;
        Enabled = enabled;
        _actions = actions;
        _conditions = conditions;
        _pattern = pattern;

        foreach (PushAction action in actions)
        {
            if (action.Kind == PushActionKind.Notify)
            {
                Notify = true;
            }
            else if (action.Tweak == PushAction.HighlightTweak)
            {
                // spec: push "Actions": a highlight tweak with no value means true.
                Highlight = action.Value is not { } value || value.ValueKind == JsonValueKind.True;
            }
            else if (action.Tweak == PushAction.SoundTweak && action.Value is { ValueKind: JsonValueKind.String } sound)
            {
                Sound = sound.GetString();
            }
        }
    }

    public PushRuleKind Kind { get; }
    public string RuleId { get; }

    /// <summary>A server-default rule (<c>"default": true</c>); its ID starts with a dot.</summary>
    public bool IsDefault { get; }
    public bool Enabled { get; }
    public IReadOnlyList<PushAction> Actions => _actions;

    /// <summary>The conditions of an override or underride rule; null for other kinds.</summary>
    public IReadOnlyList<PushCondition>? Conditions => _conditions;

    /// <summary>The glob of a content rule; null for other kinds.</summary>
    public string? Pattern => _pattern?.Pattern;

    /// <summary>Whether the actions include <c>notify</c>.</summary>
    public bool Notify { get; }

    /// <summary>The effective <c>highlight</c> tweak (absent = false).</summary>
    public bool Highlight { get; }

    /// <summary>The <c>sound</c> tweak, if set to a string.</summary>
    public string? Sound { get; }

    public static PushRule CreateOverride(string ruleId, IReadOnlyList<PushCondition> conditions, IReadOnlyList<PushAction> actions, bool enabled = true) =>
        new(PushRuleKind.Override, Check(ruleId), IsDefaultId(ruleId), enabled, [.. actions], [.. conditions], null);

    public static PushRule CreateUnderride(string ruleId, IReadOnlyList<PushCondition> conditions, IReadOnlyList<PushAction> actions, bool enabled = true) =>
        new(PushRuleKind.Underride, Check(ruleId), IsDefaultId(ruleId), enabled, [.. actions], [.. conditions], null);

    public static PushRule CreateContent(string ruleId, string pattern, IReadOnlyList<PushAction> actions, bool enabled = true) =>
        new(PushRuleKind.Content, Check(ruleId), IsDefaultId(ruleId), enabled, [.. actions], null, new GlobPattern(pattern));

    /// <summary>A room rule; <paramref name="roomId"/> is the rule ID.</summary>
    public static PushRule CreateRoom(string roomId, IReadOnlyList<PushAction> actions, bool enabled = true) =>
        new(PushRuleKind.Room, Check(roomId), IsDefaultId(roomId), enabled, [.. actions], null, null);

    /// <summary>A sender rule; <paramref name="userId"/> is the rule ID.</summary>
    public static PushRule CreateSender(string userId, IReadOnlyList<PushAction> actions, bool enabled = true) =>
        new(PushRuleKind.Sender, Check(userId), IsDefaultId(userId), enabled, [.. actions], null, null);

    /// <summary>Builds a rule of any kind; parameters that do not apply to the kind are ignored.</summary>
    public static PushRule Create(
        PushRuleKind kind,
        string ruleId,
        IReadOnlyList<PushAction> actions,
        IReadOnlyList<PushCondition>? conditions = null,
        string? pattern = null,
        bool enabled = true) => kind switch
        {
            PushRuleKind.Override => CreateOverride(ruleId, conditions ?? [], actions, enabled),
            PushRuleKind.Underride => CreateUnderride(ruleId, conditions ?? [], actions, enabled),
            PushRuleKind.Content => CreateContent(ruleId, pattern ?? throw new ArgumentNullException(nameof(pattern), "A content rule needs a pattern."), actions, enabled),
            PushRuleKind.Room => CreateRoom(ruleId, actions, enabled),
            PushRuleKind.Sender => CreateSender(ruleId, actions, enabled),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };

    /// <summary>Server-default rule IDs start with a dot (spec: push "Predefined Rules").</summary>
    public static bool IsDefaultId(string ruleId) => ruleId.StartsWith('.');

    public PushRule WithEnabled(bool enabled) =>
        enabled == Enabled ? this : new(Kind, RuleId, IsDefault, enabled, _actions, _conditions, _pattern);

    public PushRule WithActions(IReadOnlyList<PushAction> actions) =>
        new(Kind, RuleId, IsDefault, Enabled, [.. actions], _conditions, _pattern);

    /// <summary>Whether this rule's conditions (explicit or predefined by its kind) hold. Ignores <see cref="Enabled"/>.</summary>
    public bool Matches(PushEvent pushEvent, in PushContext context)
    {
        switch (Kind)
        {
            case PushRuleKind.Override or PushRuleKind.Underride:
                foreach (PushCondition condition in _conditions!)
                {
                    if (!condition.Matches(pushEvent, context))
                    {
                        return false;
                    }
                }
                return true;
            case PushRuleKind.Content:
                // spec: push "Push Rules": content rules word-match their pattern against content.body.
                string? body = pushEvent.GetString(PropertyPath.ContentBody);
                return body is not null && _pattern!.IsWordMatch(body);
            case PushRuleKind.Room:
                return string.Equals(pushEvent.GetString(PropertyPath.RoomId), RuleId, StringComparison.Ordinal);
            case PushRuleKind.Sender:
                return string.Equals(pushEvent.Sender, RuleId, StringComparison.Ordinal);
            default:
                return false;
        }
    }

    /// <summary>Writes the rule in the spec's shape: <c>rule_id, default, enabled, [pattern | conditions], actions</c>.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("rule_id", RuleId);
        writer.WriteBoolean("default", IsDefault);
        writer.WriteBoolean("enabled", Enabled);
        if (_pattern is not null)
        {
            writer.WriteString("pattern", _pattern.Pattern);
        }
        if (Conditions is not null)
        {
            writer.WriteStartArray("conditions");
            foreach (PushCondition condition in Conditions)
            {
                condition.WriteTo(writer);
            }
            writer.WriteEndArray();
        }
        WriteActionsTo(writer, Actions);
        writer.WriteEndObject();
    }

    /// <summary>Writes <c>"actions": [...]</c> (also the body of <c>GET .../actions</c>).</summary>
    public static void WriteActionsTo(Utf8JsonWriter writer, IReadOnlyList<PushAction> actions)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartArray("actions");
        foreach (PushAction action in actions)
        {
            action.WriteTo(writer);
        }
        writer.WriteEndArray();
    }

    /// <summary>The rule as a standalone JSON object (the body of <c>GET /pushrules/global/{kind}/{ruleId}</c>).</summary>
    public byte[] ToJsonBytes()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, PushJson.WriterOptions))
        {
            WriteTo(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads a rule of <paramref name="kind"/> as stored (the account-data shape). Lenient, for
    /// data we wrote ourselves or older servers did: unknown actions are skipped and malformed
    /// conditions never match. Returns null when the rule cannot be read at all.
    /// </summary>
    internal static PushRule? ReadStored(PushRuleKind kind, JsonElement json, bool isDefault)
    {
        if (json.ValueKind != JsonValueKind.Object
            || !json.TryGetProperty("rule_id", out JsonElement idJson) || idJson.ValueKind != JsonValueKind.String
            || !json.TryGetProperty("actions", out JsonElement actionsJson)
            || !PushAction.TryParseList(actionsJson, strict: false, out IReadOnlyList<PushAction>? actions))
        {
            return null;
        }
        string ruleId = idJson.GetString()!;
        if (ruleId.Length == 0)
        {
            return null;
        }
        bool enabled = !json.TryGetProperty("enabled", out JsonElement enabledJson) || enabledJson.ValueKind != JsonValueKind.False;
        IReadOnlyList<PushCondition>? conditions = null;
        GlobPattern? pattern = null;
        if (kind.HasConditions())
        {
            var list = new List<PushCondition>();
            if (json.TryGetProperty("conditions", out JsonElement conditionsJson) && conditionsJson.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in conditionsJson.EnumerateArray())
                {
                    list.Add(PushCondition.Parse(item, out _));
                }
            }
            conditions = list;
        }
        else if (kind == PushRuleKind.Content)
        {
            if (!json.TryGetProperty("pattern", out JsonElement patternJson) || patternJson.ValueKind != JsonValueKind.String)
            {
                return null;
            }
            pattern = new GlobPattern(patternJson.GetString()!);
        }
        return new PushRule(kind, ruleId, isDefault, enabled, [.. actions], conditions is null ? null : [.. conditions], pattern);
    }

    /// <summary>
    /// Reads the body of <c>PUT /pushrules/global/{kind}/{ruleId}</c>. Strict: missing
    /// <c>actions</c> (or a content rule's <c>pattern</c>), unknown actions and malformed
    /// conditions are errors. New rules are enabled (spec: "When creating push rules, they MUST be enabled by default").
    /// </summary>
    public static PushRule? ParseClientRule(PushRuleKind kind, string ruleId, JsonElement body, out PushRuleError? error)
    {
        error = ValidateClientRuleId(ruleId);
        if (error is not null)
        {
            return null;
        }
        if (body.ValueKind != JsonValueKind.Object)
        {
            error = new PushRuleError(PushRuleErrorKind.BadJson, "The push rule must be a JSON object.");
            return null;
        }
        if (!body.TryGetProperty("actions", out JsonElement actionsJson))
        {
            error = new PushRuleError(PushRuleErrorKind.MissingParam, "Missing 'actions'.");
            return null;
        }
        if (!PushAction.TryParseList(actionsJson, strict: true, out IReadOnlyList<PushAction>? actions))
        {
            error = new PushRuleError(PushRuleErrorKind.InvalidParam, "'actions' must be an array of recognised actions.");
            return null;
        }
        switch (kind)
        {
            case PushRuleKind.Override or PushRuleKind.Underride:
                var conditions = new List<PushCondition>();
                if (body.TryGetProperty("conditions", out JsonElement conditionsJson))
                {
                    if (conditionsJson.ValueKind != JsonValueKind.Array)
                    {
                        error = new PushRuleError(PushRuleErrorKind.InvalidParam, "'conditions' must be an array.");
                        return null;
                    }
                    foreach (JsonElement item in conditionsJson.EnumerateArray())
                    {
                        PushCondition condition = PushCondition.Parse(item, out bool wellFormed);
                        if (!wellFormed)
                        {
                            error = new PushRuleError(PushRuleErrorKind.InvalidParam, $"Invalid push condition: {item.GetRawText()}");
                            return null;
                        }
                        conditions.Add(condition);
                    }
                }
                return new PushRule(kind, ruleId, false, true, [.. actions], [.. conditions], null);
            case PushRuleKind.Content:
                if (!body.TryGetProperty("pattern", out JsonElement patternJson))
                {
                    error = new PushRuleError(PushRuleErrorKind.MissingParam, "A content rule needs a 'pattern'.");
                    return null;
                }
                if (patternJson.ValueKind != JsonValueKind.String)
                {
                    error = new PushRuleError(PushRuleErrorKind.InvalidParam, "'pattern' must be a string.");
                    return null;
                }
                return new PushRule(kind, ruleId, false, true, [.. actions], null, new GlobPattern(patternJson.GetString()!));
            default:
                return new PushRule(kind, ruleId, false, true, [.. actions], null, null);
        }
    }

    /// <summary>
    /// A client may not create a rule whose ID is empty, starts with a dot (reserved for
    /// server-default rules) or contains a slash or backslash. spec: pushrules.yaml setPushRule "ruleId".
    /// </summary>
    public static PushRuleError? ValidateClientRuleId(string ruleId)
    {
        if (string.IsNullOrEmpty(ruleId))
        {
            return new PushRuleError(PushRuleErrorKind.InvalidRuleId, "The rule ID must not be empty.");
        }
        if (IsDefaultId(ruleId))
        {
            return new PushRuleError(PushRuleErrorKind.InvalidRuleId, "Rule IDs starting with '.' are reserved for server-default rules.");
        }
        if (ruleId.Contains('/', StringComparison.Ordinal) || ruleId.Contains('\\', StringComparison.Ordinal))
        {
            return new PushRuleError(PushRuleErrorKind.InvalidRuleId, "Rule IDs may not contain '/' or '\\'.");
        }
        return null;
    }

    private static string Check(string ruleId)
    {
        ArgumentException.ThrowIfNullOrEmpty(ruleId);
        return ruleId;
    }

    public override string ToString() => $"{Kind.ToWireName()}/{RuleId}{(Enabled ? "" : " (disabled)")}";
}
