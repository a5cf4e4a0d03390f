namespace Myelin.Protocol.Push;

/// <summary>A refused push-rule edit: the reason and a human-readable message. The server maps it to HTTP.</summary>
public sealed record PushRuleError(PushRuleErrorKind Kind, string Message)
{
    /// <summary>The Matrix errcode. spec: pushrules.yaml responses; client-server "Standard error response".</summary>
    public string ErrCode => Kind switch
    {
        PushRuleErrorKind.NotFound => "M_NOT_FOUND",
        PushRuleErrorKind.RelativeRuleNotFound => "M_UNKNOWN",
        PushRuleErrorKind.MissingParam => "M_MISSING_PARAM",
        PushRuleErrorKind.BadJson => "M_BAD_JSON",
        _ => "M_INVALID_PARAM",
    };
}
