using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Myelin.Server.Streams;

/// <summary>
/// A position in every stream a client follows: the <c>since</c>/<c>next_batch</c> token of /sync and the
/// <c>from</c>/<c>to</c> tokens of /messages. Opaque to clients; the wire form is
/// <c>s{events}_{accountData}_{receipts}_{toDevice}_{deviceLists}_{presence}_{typing}_{pushRules}</c>.
/// Comparing two tokens stream by stream tells what changed between them.
/// </summary>
public readonly record struct SyncToken(
    long Events,
    long AccountData,
    long Receipts,
    long ToDevice,
    long DeviceLists,
    long Presence,
    long Typing,
    long PushRules)
{
    private const int StreamCount = 8;

    public static readonly SyncToken Zero = default;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"s{Events}_{AccountData}_{Receipts}_{ToDevice}_{DeviceLists}_{Presence}_{Typing}_{PushRules}");

    /// <summary>
    /// Parses a token this server issued. A bare event-stream token (<c>s123</c>, or the
    /// pagination token form <c>t123</c>) yields a token with only <see cref="Events"/> set.
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out SyncToken token)
    {
        token = default;
        if (string.IsNullOrEmpty(value) || value.Length > 200 || (value[0] != 's' && value[0] != 't'))
        {
            return false;
        }
        Span<long> parts = stackalloc long[StreamCount];
        var rest = value.AsSpan(1);
        int i = 0;
        foreach (var range in rest.Split('_'))
        {
            if (i == StreamCount || !long.TryParse(rest[range], NumberStyles.None, CultureInfo.InvariantCulture, out parts[i]))
            {
                return false;
            }
            i++;
        }
        token = new SyncToken(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6], parts[7]);
        return true;
    }

    /// <summary>True if any stream in <paramref name="other"/> is ahead of this token.</summary>
    public bool IsBehind(SyncToken other) =>
        other.Events > Events || other.AccountData > AccountData || other.Receipts > Receipts ||
        other.ToDevice > ToDevice || other.DeviceLists > DeviceLists || other.Presence > Presence ||
        other.Typing > Typing || other.PushRules > PushRules;

    /// <summary>The later of the two positions, stream by stream.</summary>
    public SyncToken Max(SyncToken other) => new(
        Math.Max(Events, other.Events), Math.Max(AccountData, other.AccountData), Math.Max(Receipts, other.Receipts),
        Math.Max(ToDevice, other.ToDevice), Math.Max(DeviceLists, other.DeviceLists), Math.Max(Presence, other.Presence),
        Math.Max(Typing, other.Typing), Math.Max(PushRules, other.PushRules));
}
