namespace Vigil.Domain.Simulation;

/// <summary>
/// One reading a synthetic patient produced: <paramref name="Type"/> is a vital type name (docs/api.md), with a
/// numeric <paramref name="Value"/>, or a <paramref name="Text"/> for consciousness (ACVPU) and a
/// <paramref name="Flag"/> for oxygen supplementation.
/// </summary>
public sealed record SimulatedReading(string Type, double? Value, string? Text, bool? Flag, DateTimeOffset ObservedAt);
