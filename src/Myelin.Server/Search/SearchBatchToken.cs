using System.Globalization;
using System.Text;
using Myelin.Storage.Search;

namespace Myelin.Server.Search;

/// <summary>
/// A <c>next_batch</c> token: the order it belongs to, how far the previous page read in that order (a stream position
/// for <c>recent</c>, an offset for <c>rank</c>), and for a group's token the group it is restricted to. Opaque to clients
/// (base64url of <c>order|cursor|group key|group value</c>).
/// </summary>
public sealed record SearchBatchToken(SearchOrder Order, long Cursor, string? GroupKey = null, string? GroupValue = null)
{
    public override string ToString()
    {
        string raw = string.Join('|', Order == SearchOrder.Rank ? "rank" : "recent", Cursor.ToString(CultureInfo.InvariantCulture), GroupKey ?? "", GroupValue ?? "");
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(raw)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static bool TryParse(string? text, out SearchBatchToken? token)
    {
        token = null;
        if (string.IsNullOrEmpty(text) || text.Length > 2048)
        {
            return false;
        }
        string padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - padded.Length % 4) % 4);
        string raw;
        try
        {
            raw = Encoding.UTF8.GetString(Convert.FromBase64String(padded));
        }
        catch (FormatException)
        {
            return false;
        }
        string[] parts = raw.Split('|', 4);
        if (parts.Length != 4 || parts[0] is not ("rank" or "recent")
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long cursor)
            || parts[2] is not ("" or "room_id" or "sender") || (parts[2].Length == 0) != (parts[3].Length == 0))
        {
            return false;
        }
        token = new SearchBatchToken(parts[0] == "rank" ? SearchOrder.Rank : SearchOrder.Recent, cursor,
            parts[2].Length == 0 ? null : parts[2], parts[3].Length == 0 ? null : parts[3]);
        return true;
    }
}
