namespace Vigil.Domain.Readings;

/// <summary>The JSON shape of a reading on the wire, before validation; a field absent from the JSON stays null.</summary>
public sealed class ReadingInput
{
    public string? Id { get; set; }

    public string? PatientId { get; set; }

    public string? DeviceId { get; set; }

    public string? Type { get; set; }

    public string? Code { get; set; }

    public InputValue Value { get; set; }

    public string? Unit { get; set; }

    public string? ObservedAt { get; set; }
}

/// <summary>A JSON value as it arrived: a number, a string, a boolean, or something else (wrong kind).</summary>
public readonly record struct InputValue(InputValueKind Kind, double Number = 0, string? Text = null, bool Flag = false)
{
    public static InputValue Missing => default;
}

public enum InputValueKind
{
    Missing,
    Number,
    Text,
    Flag,
    Null,
    Other,
}
