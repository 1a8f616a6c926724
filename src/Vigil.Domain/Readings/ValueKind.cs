namespace Vigil.Domain.Readings;

/// <summary>What a reading's value is: a quantity, an ACVPU level (NEWS2 consciousness) or a yes/no flag.</summary>
public enum ValueKind
{
    Quantity,
    Acvpu,
    Flag,
}
