using System.Text;
using Myelin.Server.Media.Previews;

namespace Myelin.Server.Tests.ClientApi.Media;

public sealed class OpenGraphParserTests
{
    [Fact]
    public void OpenGraph_tags_win_over_fallbacks_and_the_first_of_repeated_tags_is_kept()
    {
        var og = OpenGraphParser.Parse("""
            <html><head><title>Title tag</title>
            <meta name="description" content="meta description">
            <meta property="og:title" content="OG title">
            <meta property="OG:Image" content="https://a.example/1.png">
            <meta property="og:image" content="https://a.example/2.png">
            <meta name="og:site_name" content="Site in name=">
            <meta property="og:empty" content="   ">
            <meta property="twitter:title" content="Twitter title">
            </head><body><p>text</p></body></html>
            """);
        Assert.Equal("OG title", og["og:title"]);
        Assert.Equal("https://a.example/1.png", og["og:image"]);
        Assert.Equal("Site in name=", og["og:site_name"]);
        Assert.Equal("meta description", og["og:description"]);
        Assert.False(og.ContainsKey("og:empty"));
        Assert.False(og.ContainsKey("twitter:title"));
    }

    [Fact]
    public void Fallbacks_are_twitter_tags_then_title_heading_paragraphs_and_images()
    {
        var twitter = OpenGraphParser.Parse("""
            <meta name="twitter:title" content="T"><meta name="twitter:description" content="D"><meta name="twitter:image" content="i.png"><title>x</title>
            """);
        Assert.Equal(("T", "D", "i.png"), (twitter["og:title"], twitter["og:description"], twitter["og:image"]));

        var heading = OpenGraphParser.Parse("<body><h2> A\n  heading </h2><p>First</p><p>second   paragraph</p><img src=a.png><img src=b.png></body>");
        Assert.Equal("A heading", heading["og:title"]);
        Assert.Equal("First second paragraph", heading["og:description"]);
        Assert.Equal("a.png", heading["og:image"]);

        var favicon = OpenGraphParser.Parse("<head><link rel=\"shortcut icon\" href=\"/favicon.ico\"></head>");
        Assert.Equal("/favicon.ico", favicon["og:image"]);
        Assert.False(favicon.ContainsKey("og:title"));
    }

    [Fact]
    public void Long_text_is_bounded()
    {
        string words = string.Join(' ', Enumerable.Repeat("word", 1000));
        var og = OpenGraphParser.Parse($"<meta property=\"og:description\" content=\"{words}\"><body><p>{words}</p></body>");
        // Cut before the character that would pass the bound (here a space and the next word's first letter).
        Assert.InRange(og["og:description"].Length, OpenGraphParser.MaxValueLength - 1, OpenGraphParser.MaxValueLength);
        var summary = OpenGraphParser.Parse($"<body><p>{words}</p></body>")["og:description"];
        Assert.True(summary.Length <= OpenGraphParser.MaxSummaryLength + 1 && summary.EndsWith('…'), summary);

        var many = OpenGraphParser.Parse(string.Concat(Enumerable.Range(0, 200).Select(i => $"<meta property=\"og:p{i}\" content=\"v\">")));
        Assert.Equal(OpenGraphParser.MaxProperties, many.Keys.Count(k => k.StartsWith("og:p", StringComparison.Ordinal)));
    }
}

public sealed class HtmlCharsetTests
{
    static HtmlCharsetTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    [Theory]
    [InlineData("<meta charset=\"windows-1252\">", null, 1252)]
    [InlineData("<meta charset='ISO-8859-1'>", null, 1252)]
    [InlineData("<META HTTP-EQUIV=\"content-type\" CONTENT=\"text/html; charset=shift_jis\">", null, 932)]
    [InlineData("<meta charset=\"utf-8\">", "windows-1252", 1252)]
    [InlineData("<meta charset=\"utf-16\">", null, 65001)]
    [InlineData("<meta charset=\"no-such-charset\">", null, 65001)]
    [InlineData("<p>no declaration</p>", null, 65001)]
    [InlineData("<p>bad header</p>", "bogus", 65001)]
    public void Encoding_comes_from_header_then_meta_then_utf8(string head, string? header, int codePage)
    {
        Assert.Equal(codePage, HtmlCharset.Detect(Encoding.ASCII.GetBytes(head), header).CodePage);
    }

    [Fact]
    public void Byte_order_mark_wins_and_meta_after_1024_bytes_is_not_seen()
    {
        byte[] bom = [0xEF, 0xBB, 0xBF, .. Encoding.ASCII.GetBytes("<meta charset=windows-1252>")];
        Assert.Equal(65001, HtmlCharset.Detect(bom, "windows-1252").CodePage);
        byte[] late = Encoding.ASCII.GetBytes(new string(' ', 1100) + "<meta charset=windows-1252>");
        Assert.Equal(65001, HtmlCharset.Detect(late, null).CodePage);
    }
}
