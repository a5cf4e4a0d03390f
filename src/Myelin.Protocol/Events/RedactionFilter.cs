using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Myelin.Protocol.Json;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Events;

/// <summary>
/// The redaction algorithm of a room version as a member filter for the canonical writer, so a redacted
/// event is written (and hashed, and signed) without building an intermediate object.
/// spec: rooms/fragments v1-redactions, v6-redactions, v9-redactions, v11-redactions; rooms/v8 "Redactions".
/// </summary>
internal sealed class RedactionFilter : JsonMemberFilter
{
    private static readonly ConditionalWeakTable<RoomVersion, Rules> RulesByVersion = [];

    private readonly byte[][] _topLevel;
    private readonly JsonMemberFilter? _content;

    private RedactionFilter(byte[][] topLevel, JsonMemberFilter? content)
    {
        _topLevel = topLevel;
        _content = content;
    }

    /// <summary>The filter for an event of <paramref name="eventType"/> (a JSON string element, or default when absent).</summary>
    /// <param name="forSigning">Also drop <c>signatures</c> (what signatures and the reference hash cover).</param>
    /// <param name="dropEventId">Also drop <c>event_id</c> (a v3+ event cannot contain its own hash).</param>
    public static RedactionFilter For(RoomVersion version, JsonElement eventType, bool forSigning, bool dropEventId = false)
    {
        Rules rules = RulesByVersion.GetValue(version, static v => new Rules(v));
        int typeIndex = rules.TypeIndex(eventType);
        int variant = (forSigning ? 1 : 0) | (dropEventId ? 2 : 0);
        return rules.Filters[typeIndex, variant];
    }

    public override bool Includes(ReadOnlySpan<byte> name, out JsonMemberFilter? nested)
    {
        nested = null;
        if (name.SequenceEqual("content"u8))
        {
            nested = _content;
            return true;
        }
        foreach (byte[] kept in _topLevel)
        {
            if (name.SequenceEqual(kept))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The filters of one room version, per event type with special content rules.</summary>
    private sealed class Rules
    {
        private readonly byte[][] _types;

        public Rules(RoomVersion v)
        {
            // spec: the top-level keys every redacted event keeps.
            string[] topLevel = v.V11Redactions
                ? ["event_id", "type", "room_id", "sender", "state_key", "hashes", "signatures", "depth",
                   "prev_events", "auth_events", "origin_server_ts"]
                : ["event_id", "type", "room_id", "sender", "state_key", "hashes", "signatures", "depth",
                   "prev_events", "prev_state", "auth_events", "origin", "origin_server_ts", "membership"];

            var member = new List<(string, JsonMemberFilter?)> { ("membership", null) };
            if (v.RedactionKeepsJoinAuthorisedVia)
            {
                member.Add(("join_authorised_via_users_server", null));
            }
            if (v.V11Redactions)
            {
                // v11: third_party_invite is kept, but only its `signed` key.
                member.Add(("third_party_invite", new KeepMembersFilter("signed")));
            }
            var powerLevels = new List<string> { "ban", "events", "events_default", "kick", "redact", "state_default", "users", "users_default" };
            if (v.V11Redactions)
            {
                powerLevels.Add("invite");
            }

            var content = new List<(string Type, JsonMemberFilter? Filter)>
            {
                (EventTypes.Member, new KeepMembersFilter([.. member])),
                // v11: m.room.create keeps all of its content (a null filter keeps everything).
                (EventTypes.Create, v.V11Redactions ? null : new KeepMembersFilter("creator")),
                (EventTypes.JoinRules, v.RedactionKeepsJoinRulesAllow ? new KeepMembersFilter("join_rule", "allow") : new KeepMembersFilter("join_rule")),
                (EventTypes.PowerLevels, new KeepMembersFilter([.. powerLevels])),
                (EventTypes.HistoryVisibility, new KeepMembersFilter("history_visibility")),
            };
            if (v.RedactionKeepsAliases)
            {
                content.Add((EventTypes.Aliases, new KeepMembersFilter("aliases")));
            }
            if (v.V11Redactions)
            {
                content.Add((EventTypes.Redaction, new KeepMembersFilter("redacts")));
            }
            content.Add(("", new KeepMembersFilter(Array.Empty<string>())));   // every other type: empty content

            _types = [.. content.Select(c => Encoding.UTF8.GetBytes(c.Type))];
            Filters = new RedactionFilter[content.Count, 4];
            for (int t = 0; t < content.Count; t++)
            {
                for (int variant = 0; variant < 4; variant++)
                {
                    IEnumerable<string> keys = topLevel;
                    if ((variant & 1) != 0)
                    {
                        keys = keys.Where(k => k != "signatures");
                    }
                    if ((variant & 2) != 0)
                    {
                        keys = keys.Where(k => k != "event_id");
                    }
                    Filters[t, variant] = new RedactionFilter([.. keys.Select(Encoding.UTF8.GetBytes)], content[t].Filter);
                }
            }
        }

        public RedactionFilter[,] Filters { get; }

        public int TypeIndex(JsonElement eventType)
        {
            int last = _types.Length - 1;
            if (eventType.ValueKind != JsonValueKind.String)
            {
                return last;
            }
            for (int i = 0; i < last; i++)
            {
                if (eventType.ValueEquals(_types[i]))
                {
                    return i;
                }
            }
            return last;
        }
    }
}
