using System.Buffers;

namespace Myelin.Protocol.Json;

/// <summary>Discards what is written and counts it: validates and measures canonical JSON in one pass.</summary>
internal sealed class CountingBufferWriter : IBufferWriter<byte>
{
    [ThreadStatic]
    private static byte[]? t_scratch;

    public long Count { get; private set; }

    public void Advance(int count) => Count += count;

    public Memory<byte> GetMemory(int sizeHint = 0) => Scratch(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => Scratch(sizeHint);

    private static byte[] Scratch(int sizeHint)
    {
        byte[]? scratch = t_scratch;
        if (scratch is null || scratch.Length < sizeHint)
        {
            t_scratch = scratch = new byte[Math.Max(4096, sizeHint)];
        }
        return scratch;
    }
}
