using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Text;

namespace Myelin.Server.Media.Previews;

/// <summary>
/// The character encoding of an HTML page, in the order the HTML standard's "encoding sniffing algorithm" gives
/// them: a byte order mark, then the <c>Content-Type</c> header's charset, then a <c>&lt;meta charset&gt;</c> (or
/// <c>http-equiv</c> content type) in the first 1024 bytes, then UTF-8. Labels are the WHATWG Encoding Standard's
/// (AngleSharp's table), so e.g. <c>iso-8859-1</c> decodes as windows-1252, as browsers do.
/// </summary>
public static partial class HtmlCharset
{
    private const int PrescanBytes = 1024;

    static HtmlCharset()
    {
        // windows-1252, Shift_JIS, GBK, ... are not built into .NET; the code-pages provider adds them.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    public static Encoding Detect(ReadOnlySpan<byte> body, string? headerCharset)
    {
        if (body.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return Encoding.UTF8;
        }
        if (body.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Encoding.BigEndianUnicode;
        }
        if (body.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return Encoding.Unicode;
        }
        if (Resolve(headerCharset?.Trim('"', '\'', ' ')) is { } fromHeader)
        {
            return fromHeader;
        }
        // The prescan looks at bytes as ASCII; Latin-1 maps each byte to one char, so positions stay put.
        string head = Encoding.Latin1.GetString(body[..Math.Min(body.Length, PrescanBytes)]);
        foreach (Match meta in MetaTag().Matches(head))
        {
            if (CharsetAttribute().Match(meta.Value) is { Success: true } charset && Resolve(charset.Groups[1].Value) is { } declared)
            {
                // spec (HTML): a meta declaring UTF-16 means UTF-8, the page being readable as ASCII so far.
                return declared is UnicodeEncoding ? Encoding.UTF8 : declared;
            }
        }
        return Encoding.UTF8;
    }

    private static Encoding? Resolve(string? label) =>
        string.IsNullOrWhiteSpace(label) || !TextEncoding.IsSupported(label) ? null : TextEncoding.Resolve(label);

    [GeneratedRegex(@"<meta\b[^>]*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MetaTag();

    // Both <meta charset="x"> and <meta http-equiv="Content-Type" content="text/html; charset=x">.
    [GeneratedRegex(@"charset\s*=\s*[""']?\s*([A-Za-z0-9._:\-]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CharsetAttribute();
}
