using System.Globalization;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Myelin.Server.Media.Previews;

/// <summary>
/// The OpenGraph properties of an HTML page (https://ogp.me/): its <c>og:*</c> meta tags, with fallbacks when a
/// page has none, as Synapse does: Twitter card tags, then <c>&lt;title&gt;</c> (or the first heading) for
/// <c>og:title</c>, <c>&lt;meta name=description&gt;</c> (or the first paragraphs' text) for
/// <c>og:description</c>, and the largest (else the first) <c>&lt;img&gt;</c> or the favicon for <c>og:image</c>.
/// Parsed with AngleSharp's HTML5 parser; values are trimmed and bounded so one page cannot bloat the cache.
/// </summary>
public static class OpenGraphParser
{
    /// <summary>At most this many <c>og:*</c> properties are kept from one page (Synapse keeps 50).</summary>
    public const int MaxProperties = 50;

    /// <summary>Longest kept property value, in characters.</summary>
    public const int MaxValueLength = 1000;

    /// <summary>Longest description made from the page's text when it has no description tag (Synapse's 500).</summary>
    public const int MaxSummaryLength = 500;

    private const int MaxPropertyNameLength = 100;

    /// <summary>The page's properties, in document order; <c>og:image</c> is as written (maybe relative).</summary>
    public static Dictionary<string, string> Parse(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var document = new HtmlParser().ParseDocument(html);
        var og = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var meta in document.QuerySelectorAll("meta[content]"))
        {
            // The standard uses property=; some sites put og: tags in name=.
            string? property = meta.GetAttribute("property") ?? meta.GetAttribute("name");
            if (property is null || !property.StartsWith("og:", StringComparison.OrdinalIgnoreCase) || property.Length > MaxPropertyNameLength)
            {
                continue;
            }
            property = property.ToLowerInvariant();
            if (og.Count < MaxProperties && !og.ContainsKey(property) && Clean(meta.GetAttribute("content")) is { } value)
            {
                // The first value wins: OpenGraph arrays (several og:image) start with the preferred one.
                og[property] = value;
            }
        }

        AddIfMissing(og, "og:title", () => MetaContent(document, "twitter:title") ?? Clean(document.Title)
            ?? Clean(document.QuerySelector("h1, h2, h3")?.TextContent));
        AddIfMissing(og, "og:description", () => MetaContent(document, "twitter:description") ?? MetaContent(document, "description")
            ?? Summarize(document));
        AddIfMissing(og, "og:image", () => MetaContent(document, "twitter:image") ?? ItemPropImage(document) ?? ImageOf(document)
            ?? Clean(document.QuerySelector("link[rel~=icon][href]")?.GetAttribute("href")));
        return og;
    }

    private static void AddIfMissing(Dictionary<string, string> og, string property, Func<string?> fallback)
    {
        if (!og.ContainsKey(property) && fallback() is { } value)
        {
            og[property] = value;
        }
    }

    private static string? MetaContent(IDocument document, string name)
    {
        foreach (var meta in document.QuerySelectorAll("meta[content]"))
        {
            if (string.Equals(meta.GetAttribute("name") ?? meta.GetAttribute("property"), name, StringComparison.OrdinalIgnoreCase)
                && Clean(meta.GetAttribute("content")) is { } value)
            {
                return value;
            }
        }
        return null;
    }

    private static string? ItemPropImage(IDocument document) =>
        Clean(document.QuerySelector("meta[itemprop=image][content]")?.GetAttribute("content"));

    /// <summary>The largest image that declares a size above 10×10 (icons and spacers are smaller), else the first image.</summary>
    private static string? ImageOf(IDocument document)
    {
        var images = document.QuerySelectorAll("img[src]").Where(i => Clean(i.GetAttribute("src")) is not null).ToList();
        var sized = images
            .Select(i => (Image: i, Width: Dimension(i, "width"), Height: Dimension(i, "height")))
            .Where(i => i.Width > 10 && i.Height > 10)
            .OrderByDescending(i => (long)i.Width * i.Height)
            .FirstOrDefault();
        return Clean((sized.Image ?? images.FirstOrDefault())?.GetAttribute("src"));
    }

    private static int Dimension(IElement image, string attribute) =>
        int.TryParse(image.GetAttribute(attribute), NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : 0;

    /// <summary>The text of the page's first paragraphs, whitespace collapsed, cut at a word near <see cref="MaxSummaryLength"/>.</summary>
    private static string? Summarize(IDocument document)
    {
        var text = new StringBuilder();
        foreach (var paragraph in document.QuerySelectorAll("body p"))
        {
            if (Clean(paragraph.TextContent) is not { } value)
            {
                continue;
            }
            text.Append(text.Length > 0 ? " " : "").Append(value);
            if (text.Length >= MaxSummaryLength)
            {
                break;
            }
        }
        if (text.Length == 0)
        {
            return null;
        }
        if (text.Length <= MaxSummaryLength)
        {
            return text.ToString();
        }
        string cut = text.ToString(0, MaxSummaryLength);
        int space = cut.LastIndexOf(' ');
        return (space > MaxSummaryLength / 2 ? cut[..space] : cut) + "…";
    }

    /// <summary>Whitespace runs collapsed to one space and trimmed; null if nothing is left; cut at <see cref="MaxValueLength"/>.</summary>
    private static string? Clean(string? value)
    {
        if (value is null)
        {
            return null;
        }
        var text = new StringBuilder(Math.Min(value.Length, MaxValueLength));
        bool space = false;
        foreach (char c in value)
        {
            if (char.IsWhiteSpace(c))
            {
                space = text.Length > 0;
                continue;
            }
            if (text.Length + (space ? 2 : 1) > MaxValueLength)
            {
                break;
            }
            if (space)
            {
                text.Append(' ');
                space = false;
            }
            text.Append(c);
        }
        return text.Length == 0 ? null : text.ToString();
    }
}
