using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Federation.Authentication;
using Myelin.Server.Federation.Transactions;
using Myelin.Server.Http;

namespace Myelin.Server.FederationApi;

/// <summary>
/// <c>PUT /_matrix/federation/v1/send/{txnId}</c>: transactions of PDUs and EDUs pushed by other servers.
/// spec: server-server "Transactions"; transactions.yaml.
/// </summary>
public static class TransactionEndpoints
{
    public static RouteGroupBuilder MapFederationTransactionApi(this RouteGroupBuilder federation)
    {
        federation.MapPut("/v1/send/{txnId}", SendTransactionAsync).WithName("FederationSendTransaction");
        return federation;
    }

    private static async Task<IResult> SendTransactionAsync(string txnId, FederationOrigin origin, HttpRequest request,
        IncomingTransactions transactions, CancellationToken cancellationToken)
    {
        var body = await request.ReadJsonElementAsync(cancellationToken);
        var response = await transactions.ReceiveAsync(origin.ServerName, txnId, body, cancellationToken);
        return MatrixResults.Json(response);
    }
}
