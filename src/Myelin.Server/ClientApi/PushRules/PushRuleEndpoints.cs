using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Push;
using Myelin.Server.Accounts;
using Myelin.Server.Authentication;
using Myelin.Server.Http;

namespace Myelin.Server.ClientApi.PushRules;

/// <summary>Reading and editing the requester's push rules. spec: client-server "Push Rules: API" (pushrules.yaml).</summary>
public static class PushRuleEndpoints
{
    public static IEndpointRouteBuilder MapPushRuleApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("GET", "/pushrules/", GetAllAsync);
        app.MapV3("GET", "/pushrules/global/", GetGlobalAsync);
        app.MapV3("GET", "/pushrules/global/{kind}/{ruleId}", GetRuleAsync);
        app.MapV3("PUT", "/pushrules/global/{kind}/{ruleId}", PutRuleAsync);
        app.MapV3("DELETE", "/pushrules/global/{kind}/{ruleId}", DeleteRuleAsync);
        app.MapV3("GET", "/pushrules/global/{kind}/{ruleId}/enabled", GetEnabledAsync);
        app.MapV3("PUT", "/pushrules/global/{kind}/{ruleId}/enabled", PutEnabledAsync);
        app.MapV3("GET", "/pushrules/global/{kind}/{ruleId}/actions", GetActionsAsync);
        app.MapV3("PUT", "/pushrules/global/{kind}/{ruleId}/actions", PutActionsAsync);
        return app;
    }

    private static async Task<IResult> GetAllAsync(HttpContext context, Requester requester, PushRuleService rules)
    {
        var set = await rules.GetRuleSetAsync(requester.UserId, context.RequestAborted);
        return MatrixResults.Json(PushRuleService.ToJson(set.WriteTo));
    }

    private static async Task<IResult> GetGlobalAsync(HttpContext context, Requester requester, PushRuleService rules)
    {
        var set = await rules.GetRuleSetAsync(requester.UserId, context.RequestAborted);
        return MatrixResults.Json(PushRuleService.ToJson(set.WriteRulesetTo));
    }

    private static async Task<IResult> GetRuleAsync(string kind, string ruleId, HttpContext context, Requester requester, PushRuleService rules)
    {
        var rule = await rules.GetRuleAsync(requester.UserId, ParseKind(kind), ruleId, context.RequestAborted);
        return MatrixResults.Json(PushRuleService.ToJson(rule.WriteTo));
    }

    private static async Task<IResult> PutRuleAsync(string kind, string ruleId, HttpContext context, Requester requester, PushRuleService rules)
    {
        var parsedKind = ParseKind(kind);
        var body = await context.Request.ReadJsonElementAsync(context.RequestAborted);
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("The rule must be a JSON object.");
        }
        string? before = context.Request.Query["before"];
        string? after = context.Request.Query["after"];
        await rules.EditAsync(requester.UserId, set => set.Put(parsedKind, ruleId, body, NullIfEmpty(before), NullIfEmpty(after)), context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> DeleteRuleAsync(string kind, string ruleId, HttpContext context, Requester requester, PushRuleService rules)
    {
        var parsedKind = ParseKind(kind);
        await rules.EditAsync(requester.UserId, set => set.Delete(parsedKind, ruleId), context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> GetEnabledAsync(string kind, string ruleId, HttpContext context, Requester requester, PushRuleService rules)
    {
        var rule = await rules.GetRuleAsync(requester.UserId, ParseKind(kind), ruleId, context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["enabled"] = rule.Enabled });
    }

    private static async Task<IResult> PutEnabledAsync(string kind, string ruleId, HttpContext context, Requester requester, PushRuleService rules)
    {
        var parsedKind = ParseKind(kind);
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        if (!body.TryGetPropertyValue("enabled", out var node) || node is null)
        {
            throw MatrixException.MissingParam("'enabled' is required.");
        }
        bool enabled = node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw MatrixException.BadJson("'enabled' must be a boolean."),
        };
        await rules.EditAsync(requester.UserId, set => set.SetEnabled(parsedKind, ruleId, enabled), context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> GetActionsAsync(string kind, string ruleId, HttpContext context, Requester requester, PushRuleService rules)
    {
        var rule = await rules.GetRuleAsync(requester.UserId, ParseKind(kind), ruleId, context.RequestAborted);
        var actions = PushRuleService.ToJson(writer =>
        {
            writer.WriteStartArray();
            foreach (var action in rule.Actions)
            {
                action.WriteTo(writer);
            }
            writer.WriteEndArray();
        });
        return MatrixResults.Json(new JsonObject { ["actions"] = actions });
    }

    private static async Task<IResult> PutActionsAsync(string kind, string ruleId, HttpContext context, Requester requester, PushRuleService rules)
    {
        var parsedKind = ParseKind(kind);
        var body = await context.Request.ReadJsonElementAsync(context.RequestAborted);
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("The body must be a JSON object.");
        }
        if (!body.TryGetProperty("actions", out var actionsJson))
        {
            throw MatrixException.MissingParam("'actions' is required.");
        }
        if (!PushAction.TryParseList(actionsJson, strict: true, out var actions))
        {
            throw MatrixException.InvalidParam("'actions' must be an array of valid push actions.");
        }
        await rules.EditAsync(requester.UserId, set => set.SetActions(parsedKind, ruleId, actions), context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static PushRuleKind ParseKind(string kind) =>
        PushRuleKinds.TryParse(kind, out var parsed) ? parsed : throw MatrixException.InvalidParam($"Unknown push rule kind '{kind}'.");

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
