namespace Myelin.Server.Federation.Edus;

/// <summary>The <c>edu_type</c>s of the server-server API. spec: server-server "EDUs" and the modules' federation sections.</summary>
public static class EduTypes
{
    public const string Typing = "m.typing";
    public const string Receipt = "m.receipt";
    public const string Presence = "m.presence";
    public const string DirectToDevice = "m.direct_to_device";
    public const string DeviceListUpdate = "m.device_list_update";
    public const string SigningKeyUpdate = "m.signing_key_update";
}
