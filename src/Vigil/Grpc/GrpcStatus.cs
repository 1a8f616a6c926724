using System.Text;

namespace Vigil.Grpc;

/// <summary>The gRPC status codes Vigil answers with (grpc/doc/statuscodes.md).</summary>
public enum GrpcStatusCode
{
    Ok = 0,
    Cancelled = 1,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    Unauthenticated = 16,
}

/// <summary>
/// Ends a call with <paramref name="code"/>; <paramref name="trailers"/> go out as trailing metadata beside the status,
/// <paramref name="violations"/> as a google.rpc.BadRequest in grpc-status-details-bin.
/// </summary>
public sealed class GrpcException(
    GrpcStatusCode code, string message, IReadOnlyDictionary<string, string>? trailers = null, IReadOnlyList<FieldViolation>? violations = null)
    : Exception(message)
{
    public GrpcStatusCode Code { get; } = code;

    public IReadOnlyDictionary<string, string> Trailers { get; } = trailers ?? new Dictionary<string, string>();

    public IReadOnlyList<FieldViolation> Violations { get; } = violations ?? [];
}

/// <summary>One bad field: its path in the request as the proto names it (<c>readings[1].value</c>) and why.</summary>
public sealed record FieldViolation(string Field, string Description);

/// <summary>The grpc-message encoding of the gRPC HTTP/2 protocol (PROTOCOL-HTTP2.md): UTF-8, percent-encoding outside printable ASCII and '%'.</summary>
public static class GrpcMessage
{
    public static string Encode(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var text = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }
}
