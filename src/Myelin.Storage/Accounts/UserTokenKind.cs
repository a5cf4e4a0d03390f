namespace Myelin.Storage.Accounts;

/// <summary>What a short-lived <see cref="IUserTokenStore"/> token is for.</summary>
public enum UserTokenKind
{
    /// <summary>A single-use <c>m.login.token</c>. spec: client-server "POST /_matrix/client/v1/login/get_token".</summary>
    Login,

    /// <summary>An OpenID access token other services verify with the federation <c>userinfo</c> endpoint.</summary>
    OpenId,
}
