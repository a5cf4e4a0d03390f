namespace Myelin.Server.Receipts;

/// <summary>The receipt and marker types of spec: client-server "Receipts" and "Fully read markers".</summary>
public static class ReceiptTypes
{
    public const string Read = "m.read";
    public const string ReadPrivate = "m.read.private";
    /// <summary>Not a receipt: the room's read marker, kept as room account data of this type.</summary>
    public const string FullyRead = "m.fully_read";
}
