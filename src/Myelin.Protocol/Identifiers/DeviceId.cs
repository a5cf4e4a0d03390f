using System.Diagnostics.CodeAnalysis;

namespace Myelin.Protocol.Identifiers;

/// <summary>A device ID: an opaque, non-empty string chosen by the client or the server.</summary>
public readonly record struct DeviceId
{
    public const int MaxLength = 255;

    private DeviceId(string value) => Value = value;

    public string Value { get; }

    public static DeviceId Parse(string value) =>
        TryParse(value, out var id) ? id : throw new FormatException($"Invalid device ID: '{value}'.");

    public static bool TryParse([NotNullWhen(true)] string? value, out DeviceId id)
    {
        id = default;
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength)
        {
            return false;
        }
        id = new DeviceId(value);
        return true;
    }

    public override string ToString() => Value ?? string.Empty;
}
