namespace Myelin.Protocol.Push;

/// <summary>The push actions the spec defines. spec: client-server push "Actions".</summary>
public enum PushActionKind
{
    /// <summary><c>"notify"</c>: generate a notification.</summary>
    Notify,
    /// <summary><c>{"set_tweak": name, "value": ...}</c>: set an entry in the notification's tweaks.</summary>
    SetTweak,
}
