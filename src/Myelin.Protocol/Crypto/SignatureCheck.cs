namespace Myelin.Protocol.Crypto;

public enum SignatureCheckStatus
{
    Valid,
    /// <summary>The JSON is not an object, or <c>signatures</c> is malformed.</summary>
    Malformed,
    /// <summary>No <c>signatures.{entity}</c> entry.</summary>
    NotSigned,
    /// <summary>Only signatures with algorithms we do not understand.</summary>
    NoSupportedAlgorithm,
    /// <summary>No verification key is known for any of the entity's key IDs.</summary>
    UnknownKey,
    /// <summary>A signature is not valid base64 or does not verify.</summary>
    BadSignature,
}

/// <summary>The outcome of checking an entity's signature. spec: appendices "Checking for a Signature".</summary>
public readonly record struct SignatureCheck(SignatureCheckStatus Status, string? Error)
{
    public static readonly SignatureCheck Valid = new(SignatureCheckStatus.Valid, null);

    public bool IsValid => Status == SignatureCheckStatus.Valid;

    public override string ToString() => IsValid ? "valid" : $"{Status}: {Error}";
}
