namespace Myelin.Server.E2ee;

/// <summary>The cross-signing key usages. spec: client-server "Cross-signing".</summary>
public static class CrossSigningKeyTypes
{
    public const string Master = "master";
    public const string SelfSigning = "self_signing";
    public const string UserSigning = "user_signing";
}
