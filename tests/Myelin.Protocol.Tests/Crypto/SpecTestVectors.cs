using Myelin.Protocol.Crypto;

namespace Myelin.Protocol.Tests.Crypto;

/// <summary>spec: appendices "Cryptographic Test Vectors".</summary>
internal static class SpecTestVectors
{
    public const string SeedBase64 = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1";
    public const string ServerName = "domain";

    public static SigningKey Key() => SigningKey.FromSeed(UnpaddedBase64.Decode(SeedBase64), "1");
}
