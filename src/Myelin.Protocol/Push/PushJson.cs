using System.Text.Encodings.Web;
using System.Text.Json;

namespace Myelin.Protocol.Push;

/// <summary>Writer settings for push-rule JSON we produce ourselves.</summary>
internal static class PushJson
{
    // Relaxed escaping: the output is JSON for clients and storage, never embedded in HTML,
    // and "<=10" should read as written rather than as "\u003C=10".
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
