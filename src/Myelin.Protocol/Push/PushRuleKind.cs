namespace Myelin.Protocol.Push;

/// <summary>
/// The kinds of push rule, declared in the order they are checked.
/// spec: client-server push "Push Rules".
/// </summary>
public enum PushRuleKind
{
    Override,
    Content,
    Room,
    Sender,
    Underride,
}
