namespace Vigil.Domain;

/// <summary>Why a request was refused: the thing is not there (or not the caller's), it conflicts, or its content is invalid.</summary>
public enum RejectionKind
{
    NotFound,
    Conflict,
    Invalid,
}

/// <summary>A refusal raised inside a write; the write is rolled back and nothing of it is stored.</summary>
public sealed class RejectedException(RejectionKind kind, string detail, IReadOnlyList<FieldError>? errors = null) : Exception(detail)
{
    public RejectionKind Kind { get; } = kind;

    public IReadOnlyList<FieldError> Errors { get; } = errors ?? [];

    public static RejectedException NotFound(string what) => new(RejectionKind.NotFound, $"{what} was not found.");

    public static RejectedException Invalid(IReadOnlyList<FieldError> errors) =>
        new(RejectionKind.Invalid, errors.Count == 1 ? $"{errors[0].Field} {errors[0].Reason}." : $"{errors.Count} fields are invalid.", errors);

    public static RejectedException Invalid(string field, string reason) => Invalid([new FieldError(null, field, reason)]);
}
