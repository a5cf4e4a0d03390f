namespace Myelin.Protocol.Push;

/// <summary>Why a push-rule edit was refused; <see cref="PushRuleError.ErrCode"/> gives the Matrix errcode.</summary>
public enum PushRuleErrorKind
{
    /// <summary>No rule of that kind and ID (<c>M_NOT_FOUND</c>).</summary>
    NotFound,
    /// <summary>Empty, dot-prefixed (reserved), or containing <c>/</c> or <c>\</c> (<c>M_INVALID_PARAM</c>).</summary>
    InvalidRuleId,
    /// <summary>Server-default rules cannot be deleted (<c>M_INVALID_PARAM</c>).</summary>
    ServerDefaultRule,
    /// <summary>The <c>before</c>/<c>after</c> rule is not a user-defined rule of that kind (<c>M_UNKNOWN</c>, as pushrules.yaml's example).</summary>
    RelativeRuleNotFound,
    /// <summary>A required body parameter is missing (<c>M_MISSING_PARAM</c>).</summary>
    MissingParam,
    /// <summary>A body parameter has the wrong type or value (<c>M_INVALID_PARAM</c>).</summary>
    InvalidParam,
    /// <summary>The body is not a JSON object (<c>M_BAD_JSON</c>).</summary>
    BadJson,
}
