using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.Push;
using Myelin.Server.Http;
using Myelin.Storage;

namespace Myelin.Server.Accounts;

/// <summary>
/// A user's push rules: the server defaults merged with their stored <c>m.push_rules</c> account data, and
/// edits written back there (so /sync delivers them). spec: client-server "Push Rules: API".
/// </summary>
public sealed class PushRuleService
{
    // Edits are read-modify-write of one account-data item; they are rare, so one lock suffices.
    private readonly SemaphoreSlim _editLock = new(1, 1);
    private readonly MyelinDatabase _database;
    private readonly AccountDataService _accountData;

    public PushRuleService(MyelinDatabase database, AccountDataService accountData)
    {
        _database = database;
        _accountData = accountData;
    }

    /// <summary>The user's effective rules (server defaults when they never changed any).</summary>
    public async Task<PushRuleSet> GetRuleSetAsync(UserId userId, CancellationToken cancellationToken = default)
    {
        var entry = await _database.AccountData.GetAsync(userId, null, AccountDataService.PushRules, cancellationToken);
        if (entry is null)
        {
            return PushRuleSet.CreateDefault(userId);
        }
        using var document = JsonDocument.Parse(entry.Content);
        return PushRuleSet.FromAccountData(userId, document.RootElement);
    }

    /// <summary>One rule, or 404 <c>M_NOT_FOUND</c>.</summary>
    public async Task<PushRule> GetRuleAsync(UserId userId, PushRuleKind kind, string ruleId, CancellationToken cancellationToken = default) =>
        (await GetRuleSetAsync(userId, cancellationToken)).Find(kind, ruleId)
        ?? throw MatrixException.NotFound($"No push rule '{ruleId}' of kind '{kind.ToWireName()}'.");

    /// <summary>Applies an edit to the stored rules; a refused edit throws its spec error.</summary>
    public async Task EditAsync(UserId userId, Func<PushRuleSet, PushRuleEdit> edit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(edit);
        await _editLock.WaitAsync(cancellationToken);
        try
        {
            var result = edit(await GetRuleSetAsync(userId, cancellationToken));
            if (!result.Succeeded)
            {
                var error = result.Error!;
                int status = error.Kind == PushRuleErrorKind.NotFound ? 404 : 400;
                throw new MatrixException(error.ErrCode, error.Message, status);
            }
            var content = JsonNode.Parse(result.RuleSet!.ToJsonBytes())!.AsObject();
            await _accountData.SetAsync(userId, null, AccountDataService.PushRules, content, cancellationToken);
        }
        finally
        {
            _editLock.Release();
        }
    }

    /// <summary>Serializes with a writer callback into a JSON tree (for HTTP responses).</summary>
    public static JsonNode ToJson(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }
        return JsonNode.Parse(buffer.WrittenSpan)!;
    }
}
