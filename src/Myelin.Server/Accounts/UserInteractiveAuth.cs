using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Myelin.Server.Accounts;

/// <summary>A sequence of stages that, completed in order, authenticates a request.</summary>
public sealed record UiaFlow(IReadOnlyList<string> Stages);

/// <summary>The outcome of checking one submitted stage.</summary>
public readonly record struct UiaStageResult(bool Success, string? Errcode = null, string? Error = null)
{
    public static UiaStageResult Ok => new(true);
    public static UiaStageResult Fail(string errcode, string error) => new(false, errcode, error);
}

/// <summary>Either "authenticated" (all stages of a flow done), or the 401 body to send back.</summary>
public sealed record UiaOutcome(bool Authenticated, JsonObject? Challenge, string SessionId, IReadOnlyDictionary<string, JsonElement> StageResults);

/// <summary>
/// User-interactive authentication sessions: stages completed so far per session, kept in memory for
/// <see cref="SessionLifetime"/>. spec: client-server "User-Interactive Authentication API".
/// </summary>
public sealed class UserInteractiveAuth
{
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromMinutes(30);
    private const int MaxSessions = 100_000;

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public UserInteractiveAuth(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>
    /// Processes the request's <c>auth</c> dict against the offered flows. <paramref name="checkStage"/> validates one
    /// submitted stage (its type and the auth dict). <paramref name="scope"/> binds a session to one operation
    /// (e.g. "register", "delete_device:@u:hs:DEV") so a session can't be replayed on another.
    /// </summary>
    public async ValueTask<UiaOutcome> ProcessAsync(
        JsonElement? auth,
        IReadOnlyList<UiaFlow> flows,
        string scope,
        Func<string, JsonElement, ValueTask<UiaStageResult>> checkStage,
        JsonObject? parameters = null)
    {
        Session? session = null;
        string? sessionId = null;
        if (auth is { ValueKind: JsonValueKind.Object } a && a.TryGetProperty("session", out var s) && s.ValueKind == JsonValueKind.String)
        {
            sessionId = s.GetString();
            if (sessionId is not null && _sessions.TryGetValue(sessionId, out var found) && !IsExpired(found) && found.Scope == scope)
            {
                session = found;
            }
        }
        session ??= NewSession(scope);

        UiaStageResult? failure = null;
        if (auth is { ValueKind: JsonValueKind.Object } dict &&
            dict.TryGetProperty("type", out var typeElement) && typeElement.ValueKind == JsonValueKind.String)
        {
            string type = typeElement.GetString()!;
            if (!flows.Any(f => f.Stages.Contains(type)))
            {
                failure = UiaStageResult.Fail("M_UNRECOGNIZED", $"Authentication type '{type}' is not offered here.");
            }
            else if (!CanCompleteNext(flows, session.CompletedStages(), type))
            {
                failure = UiaStageResult.Fail("M_FORBIDDEN", $"Stage '{type}' is not next in any offered flow.");
            }
            else
            {
                var result = await checkStage(type, dict.Clone());
                if (result.Success)
                {
                    session.Complete(type, dict.Clone());
                }
                else
                {
                    failure = result;
                }
            }
        }

        var completed = session.CompletedStages();
        if (flows.Any(f => f.Stages.Count > 0 && completed.Count >= f.Stages.Count && completed.Take(f.Stages.Count).SequenceEqual(f.Stages)))
        {
            // Completed sessions can't be reused for a second operation.
            _sessions.TryRemove(session.Id, out _);
            return new UiaOutcome(true, null, session.Id, session.Results());
        }

        var challenge = new JsonObject
        {
            ["flows"] = new JsonArray(flows.Select(f => (JsonNode)new JsonObject
            {
                ["stages"] = new JsonArray(f.Stages.Select(st => (JsonNode)JsonValue.Create(st)!).ToArray()),
            }).ToArray()),
            ["params"] = parameters?.DeepClone() ?? new JsonObject(),
            ["session"] = session.Id,
        };
        if (completed.Count > 0)
        {
            challenge["completed"] = new JsonArray(completed.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray());
        }
        if (failure is { } f)
        {
            challenge["errcode"] = f.Errcode;
            challenge["error"] = f.Error;
        }
        return new UiaOutcome(false, challenge, session.Id, session.Results());
    }

    private static bool CanCompleteNext(IReadOnlyList<UiaFlow> flows, IReadOnlyList<string> completed, string type) =>
        flows.Any(f => f.Stages.Count > completed.Count &&
                       f.Stages.Take(completed.Count).SequenceEqual(completed) &&
                       f.Stages[completed.Count] == type);

    private Session NewSession(string scope)
    {
        if (_sessions.Count >= MaxSessions)
        {
            Sweep();
        }
        var session = new Session(NewSessionId(), scope, _time.GetUtcNow());
        _sessions[session.Id] = session;
        return session;
    }

    private void Sweep()
    {
        foreach (var (id, session) in _sessions)
        {
            if (IsExpired(session))
            {
                _sessions.TryRemove(id, out _);
            }
        }
    }

    private bool IsExpired(Session session) => _time.GetUtcNow() - session.Created > SessionLifetime;

    private static string NewSessionId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private sealed class Session(string id, string scope, DateTimeOffset created)
    {
        private readonly List<(string Stage, JsonElement Auth)> _completed = [];

        public string Id { get; } = id;
        public string Scope { get; } = scope;
        public DateTimeOffset Created { get; } = created;

        public IReadOnlyList<string> CompletedStages()
        {
            lock (_completed)
            {
                return _completed.Select(c => c.Stage).ToArray();
            }
        }

        public IReadOnlyDictionary<string, JsonElement> Results()
        {
            lock (_completed)
            {
                return _completed.ToDictionary(c => c.Stage, c => c.Auth, StringComparer.Ordinal);
            }
        }

        public void Complete(string stage, JsonElement auth)
        {
            lock (_completed)
            {
                if (!_completed.Any(c => c.Stage == stage))
                {
                    _completed.Add((stage, auth));
                }
            }
        }
    }
}
