using Vigil.Grpc;
using Vigil.Grpc.V1;

namespace Vigil.Simulation;

/// <summary>
/// Sends each batch as one <c>vigil.v1.IngestService/IngestBatch</c> call (all or nothing, durable before the answer,
/// as the HTTP batch): RESOURCE_EXHAUSTED, UNAVAILABLE and DEADLINE_EXCEEDED are tried again after the backoff, any
/// other status is a refusal.
/// </summary>
public sealed class GrpcReadingSender(GrpcClient client, TimeProvider time) : ReadingSender(time)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    internal static Reading Message(OutgoingReading outgoing)
    {
        var r = outgoing.Reading;
        var message = new Reading { Id = outgoing.Id, PatientId = outgoing.PatientId, Type = r.Type, ObservedAt = outgoing.ObservedAt };
        if (outgoing.DeviceId is { } device)
        {
            message.DeviceId = device;
        }

        if (outgoing.Unit is { } unit)
        {
            message.Unit = unit;
        }

        if (r.Flag is { } flag)
        {
            message.Flag = flag;
        }
        else if (r.Value is { } number)
        {
            message.Number = number;
        }
        else if (r.Text is { } text)
        {
            message.Text = text;
        }

        return message;
    }

    protected override async Task<Attempt> AttemptAsync(IReadOnlyList<OutgoingReading> batch, CancellationToken cancellationToken)
    {
        var request = new ReadingBatch();
        request.Readings.AddRange(batch.Select(Message));
        var result = await client.UnaryAsync("vigil.v1.IngestService", "IngestBatch", request, IngestResponse.Parser, Deadline, cancellationToken);
        var error = $"gRPC {result.Status}: {result.Message}";
        return result.Status switch
        {
            GrpcStatusCode.Ok => Attempt.Stored(result.Response!.Accepted, result.Response.Duplicates),
            GrpcStatusCode.ResourceExhausted or GrpcStatusCode.Unavailable or GrpcStatusCode.DeadlineExceeded => Attempt.Again(error),
            _ => Attempt.Refused(error),
        };
    }
}
