using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Server.Rooms;

/// <summary>The presets of <c>POST /createRoom</c>. spec: client-server "POST /createRoom" preset table.</summary>
public static class RoomPresets
{
    public const string PrivateChat = "private_chat";
    public const string TrustedPrivateChat = "trusted_private_chat";
    public const string PublicChat = "public_chat";

    public static bool IsKnown(string preset) => preset is PrivateChat or TrustedPrivateChat or PublicChat;
}

/// <summary>One <c>initial_state</c> entry of <c>POST /createRoom</c>.</summary>
public sealed record InitialStateEvent(string Type, string StateKey, JsonObject Content);

/// <summary>What a client asked <c>POST /createRoom</c> for, validated. spec: client-server "POST /createRoom".</summary>
public sealed record RoomCreationOptions
{
    public RoomVersion Version { get; init; } = KnownRoomVersions.Default;
    /// <summary>One of <see cref="RoomPresets"/>.</summary>
    public string Preset { get; init; } = RoomPresets.PrivateChat;
    /// <summary><c>visibility: public</c>: publish the room in the directory.</summary>
    public bool Publish { get; init; }
    /// <summary>The localpart of an alias on this server to create and make canonical.</summary>
    public string? AliasLocalpart { get; init; }
    public string? Name { get; init; }
    public string? Topic { get; init; }
    public IReadOnlyList<UserId> Invite { get; init; } = [];
    public bool IsDirect { get; init; }
    public IReadOnlyList<InitialStateEvent> InitialState { get; init; } = [];
    public JsonObject? PowerLevelContentOverride { get; init; }
    /// <summary>Extra keys for the <c>m.room.create</c> content (<c>m.federate</c>, <c>type</c>, <c>additional_creators</c>, ...).</summary>
    public JsonObject? CreationContent { get; init; }
}
