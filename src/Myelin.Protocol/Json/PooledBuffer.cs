using System.Buffers;

namespace Myelin.Protocol.Json;

/// <summary>
/// A per-thread reusable <see cref="ArrayBufferWriter{T}"/> for the hash-and-sign hot path, so encoding an
/// event to hash it does not allocate. Rent, use synchronously, return.
/// </summary>
internal static class PooledBuffer
{
    private const int MaxRetainedCapacity = 256 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_cached;

    public static ArrayBufferWriter<byte> Rent()
    {
        ArrayBufferWriter<byte>? buffer = t_cached;
        t_cached = null;
        return buffer ?? new ArrayBufferWriter<byte>(4096);
    }

    public static void Return(ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity <= MaxRetainedCapacity)
        {
            buffer.ResetWrittenCount();
            t_cached = buffer;
        }
    }
}
