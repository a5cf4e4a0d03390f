using System.Text.Json;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Tests.Events;

/// <summary>Events built and signed with a real key, for parser and builder tests.</summary>
internal static class PduTestEvents
{
    public static readonly ServerName Origin = ServerName.Parse("example.org");
    public static readonly UserId Alice = UserId.Parse("@alice:example.org");

    public static SigningKey Key() => SigningKey.FromSeed(new byte[32], "k1");

    public static JsonElement ParseJson(string json) => JsonDocument.Parse(json).RootElement;

    public static PduTemplate Message(RoomVersion version, string body = "hello") => new()
    {
        RoomVersion = version,
        RoomId = version.RoomIdIsCreateEventHash ? RoomId.Parse("!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ") : RoomId.Parse("!room:example.org"),
        Sender = Alice,
        Type = EventTypes.Message,
        Content = ParseJson($$"""{"msgtype":"m.text","body":"{{body}}"}"""),
        PrevEvents = version.EventIdInPdu ? [EventId.Parse("$prev:example.org")] : [EventId.Parse("$acR1l0raoZnm60CBwAVgqbZqoO_mYU81xysh1u7XcJk")],
        AuthEvents = version.EventIdInPdu ? [EventId.Parse("$create:example.org")] : [EventId.Parse("$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg")],
        Depth = 5,
        OriginServerTs = 1_700_000_000_000,
        ReferenceHashOf = _ => new byte[32],
    };
}
