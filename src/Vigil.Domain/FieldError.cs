namespace Vigil.Domain;

/// <summary>One reason an input was refused: which item of a batch (null for a single object), which field, and why.</summary>
public sealed record FieldError(int? Index, string Field, string Reason);
