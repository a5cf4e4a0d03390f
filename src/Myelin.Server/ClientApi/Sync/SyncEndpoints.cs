using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.Filters;
using Myelin.Server.Http;
using Myelin.Server.Presence;
using Myelin.Server.Streams;
using Myelin.Server.Sync;
using Myelin.Storage;

namespace Myelin.Server.ClientApi.Sync;

/// <summary><c>GET /sync</c>. spec: client-server "GET /_matrix/client/v3/sync", openapi sync.yaml.</summary>
public static class SyncEndpoints
{
    /// <summary>Longer waits are cut to this (clients re-poll anyway; proxies drop idle connections).</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(5);

    public static IEndpointRouteBuilder MapSyncApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("GET", "/sync", SyncAsync);
        return app;
    }

    private static async Task<IResult> SyncAsync(HttpContext context, Requester requester, SyncService sync, MyelinDatabase database)
    {
        var query = context.Request.Query;
        SyncToken? since = null;
        if (query.TryGetValue("since", out var sinceValue) && !string.IsNullOrEmpty(sinceValue.ToString()))
        {
            // As Synapse: a token this server cannot read is a 400 M_UNKNOWN ("Invalid stream token").
            if (!SyncToken.TryParse(sinceValue.ToString(), out var parsed))
            {
                throw new MatrixException(MatrixErrorCodes.Unknown, "Invalid since token.", StatusCodes.Status400BadRequest);
            }
            since = parsed;
        }
        var filter = await ReadFilterAsync(query["filter"].ToString(), requester, database, context.RequestAborted);
        var request = new SyncRequest(requester, since, filter)
        {
            FullState = ReadBool(query["full_state"].ToString(), "full_state"),
            UseStateAfter = ReadBool(query["use_state_after"].ToString(), "use_state_after"),
            Timeout = ReadTimeout(query["timeout"].ToString()),
            SetPresence = ReadPresence(query["set_presence"].ToString()),
        };
        var result = await sync.SyncAsync(request, context.RequestAborted);
        return Results.Bytes(SyncResponseWriter.ToUtf8(result), "application/json");
    }

    /// <summary>spec: sync.yaml filter: "The ID of a filter created using the filter API or a filter JSON object encoded as a string."</summary>
    internal static async Task<SyncFilter> ReadFilterAsync(string value, Requester requester, MyelinDatabase database, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(value))
        {
            return SyncFilter.Default;
        }
        string json;
        if (value.TrimStart().StartsWith('{'))
        {
            json = value;
        }
        else
        {
            if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long filterId))
            {
                throw MatrixException.InvalidParam("filter must be a filter ID or a JSON object.");
            }
            json = await database.Filters.GetAsync(requester.UserId, filterId, cancellationToken)
                ?? throw MatrixException.NotFound($"No filter with ID {filterId}.");
        }
        JsonElement element;
        try
        {
            element = JsonElement.Parse(json);
        }
        catch (JsonException)
        {
            throw MatrixException.BadJson("filter is not valid JSON.");
        }
        if (!FilterParser.TryParse(element, out var filter, out var error))
        {
            throw new MatrixException(error.Errcode, error.Message, StatusCodes.Status400BadRequest);
        }
        return filter;
    }

    private static bool ReadBool(string value, string name) => value switch
    {
        "" or "false" => false,
        "true" => true,
        _ => throw MatrixException.InvalidParam($"{name} must be true or false."),
    };

    private static TimeSpan ReadTimeout(string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return TimeSpan.Zero;
        }
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long ms))
        {
            throw MatrixException.InvalidParam("timeout must be a non-negative integer (milliseconds).");
        }
        var timeout = TimeSpan.FromMilliseconds(Math.Min(ms, (long)MaxTimeout.TotalMilliseconds));
        return timeout;
    }

    private static string ReadPresence(string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return PresenceStates.Online;
        }
        return PresenceStates.IsValid(value) ? value : throw MatrixException.InvalidParam("set_presence must be online, offline or unavailable.");
    }
}
