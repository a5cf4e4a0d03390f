using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Configuration;
using Myelin.Server.Http;

namespace Myelin.Server.ClientApi.Admin;

/// <summary>Server support contacts from the <c>support</c> config section. spec: client-server "GET /.well-known/matrix/support".</summary>
public static class SupportEndpoints
{
    public static IEndpointRouteBuilder MapSupportApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/matrix/support", GetSupport);
        return app;
    }

    private static IResult GetSupport(MyelinConfig config)
    {
        var support = config.Support ?? throw MatrixException.NotFound("No support information is configured.");
        var body = new JsonObject();
        if (support.Contacts.Count > 0)
        {
            var contacts = new JsonArray();
            foreach (var contact in support.Contacts)
            {
                var entry = new JsonObject { ["role"] = contact.Role };
                if (contact.MatrixId is not null)
                {
                    entry["matrix_id"] = contact.MatrixId;
                }
                if (contact.EmailAddress is not null)
                {
                    entry["email_address"] = contact.EmailAddress;
                }
                contacts.Add(entry);
            }
            body["contacts"] = contacts;
        }
        if (support.SupportPage is not null)
        {
            body["support_page"] = support.SupportPage;
        }
        return MatrixResults.Json(body);
    }
}
