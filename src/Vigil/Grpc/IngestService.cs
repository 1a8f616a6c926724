using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Google.Protobuf;
using Vigil.Domain;
using Vigil.Domain.Readings;
using Vigil.Hosting;
using Vigil.Storage.Readings;
using Vigil.Storage.Writes;
using V1 = Vigil.Grpc.V1;

namespace Vigil.Grpc;

/// <summary>
/// <c>vigil.v1.IngestService</c>: readings into the pipeline of <c>POST /api/v1/readings</c> (the same validation,
/// idempotency by reading id, tenancy and group-committed write, durable before the answer).
/// </summary>
internal sealed class IngestService(
    GroupCommitter writer, ReadingStore store, IOptions<VigilOptions> vigilOptions, IOptions<GrpcOptions> grpcOptions, TimeProvider clock)
{
    private readonly VigilOptions _vigil = vigilOptions.Value;
    private readonly GrpcOptions _options = grpcOptions.Value;

    /// <summary>Trailing metadata of a refused stream: how many readings from its start are durable.</summary>
    public const string CommittedTrailer = "vigil-committed";

    /// <summary>All or nothing: any invalid reading refuses the batch and nothing of it is stored.</summary>
    public async Task IngestBatchAsync(GrpcCall call)
    {
        var batch = await call.ReadAsync(V1.ReadingBatch.Parser)
                    ?? throw new GrpcException(GrpcStatusCode.Internal, "a unary call carries one request message");
        CheckSize(batch.Readings.Count);
        var readings = Validate(batch.Readings, 0, stream: false);
        // A refusal by the store (an unknown patient, an id reused for other content) ends the call in GrpcCall.
        var result = await Write(call, readings);
        var response = new V1.IngestResponse { Accepted = result.Accepted, Duplicates = result.Duplicates };
        response.Ids.AddRange(result.Ids);
        await call.WriteAsync(response);
    }

    /// <summary>
    /// Takes readings as they stream in and commits them in groups of <see cref="GrpcOptions.StreamCommitReadings"/>,
    /// one group committing while the next is read. The answer comes once every reading is durable. A refused reading
    /// ends the call: the readings before its group are committed, the rest of the stream is not, and the status
    /// says which reading and field, and where to resume (also as <see cref="CommittedTrailer"/>).
    /// </summary>
    public async Task IngestAsync(GrpcCall call)
    {
        long accepted = 0, duplicates = 0, committed = 0, received = 0;
        var group = new List<Reading>(_options.StreamCommitReadings);
        Task<IngestResult>? inFlight = null;
        long inFlightStart = 0;

        // Waits for the group being written and counts it; a refusal names the reading by its place in the stream.
        async Task SettleAsync()
        {
            if (inFlight is null)
            {
                return;
            }

            var start = inFlightStart;
            try
            {
                var result = await inFlight;
                accepted += result.Accepted;
                duplicates += result.Duplicates;
                committed += result.Ids.Count;
            }
            catch (RejectedException e)
            {
                throw GrpcCall.Refusal(GrpcCall.CodeOf(e), e, start, stream: true, Resume(committed), Committed(committed));
            }
            catch (StorageUnavailableException)
            {
                throw Stopped(GrpcStatusCode.Unavailable, "the write could not be made durable");
            }
            finally
            {
                inFlight = null;
            }
        }

        async Task FlushAsync()
        {
            await SettleAsync();
            if (group.Count > 0)
            {
                inFlightStart = received - group.Count;
                inFlight = Write(call, [.. group]);
                group.Clear();
            }
        }

        while (true)
        {
            List<Reading> readings;
            try
            {
                if (await call.ReadAsync(V1.IngestMessage.Parser) is not { } message)
                {
                    break;
                }

                IReadOnlyList<V1.Reading> items = message.ItemCase switch
                {
                    V1.IngestMessage.ItemOneofCase.Reading => [message.Reading],
                    V1.IngestMessage.ItemOneofCase.Batch => message.Batch.Readings,
                    _ => throw new GrpcException(GrpcStatusCode.InvalidArgument, $"reading {received} of the stream: item is required (a reading or a batch)"),
                };
                CheckSize(items.Count);
                readings = Validate(items, received, stream: true);
                received += items.Count;
            }
            catch (Exception e) when (e is GrpcException or InvalidProtocolBufferException)
            {
                // A refused message ends the stream; what came before it is written, so the client resumes right at it.
                await FlushAsync();
                await SettleAsync();
                throw e is GrpcException g
                    ? Stopped(g.Code, g.Message, g.Violations)
                    : Stopped(GrpcStatusCode.InvalidArgument, $"the message starting at reading {received} of the stream is not valid protobuf: {e.Message}");
            }

            group.AddRange(readings);
            if (group.Count >= _options.StreamCommitReadings)
            {
                await FlushAsync();
            }
        }

        await FlushAsync();
        await SettleAsync();
        await call.WriteAsync(new V1.IngestStreamResponse { Accepted = accepted, Duplicates = duplicates, Committed = committed });

        GrpcException Stopped(GrpcStatusCode code, string what, IReadOnlyList<FieldViolation>? violations = null) =>
            new(code, what + Resume(committed), Committed(committed), violations);
    }

    private static string Resume(long committed) =>
        $"; the first {committed} readings of the stream are committed: resume from reading {committed}";

    private static Dictionary<string, string> Committed(long committed) =>
        new() { [CommittedTrailer] = committed.ToString(CultureInfo.InvariantCulture) };

    private void CheckSize(int count)
    {
        if (count > _vigil.MaxBatchItems)
        {
            throw new GrpcException(GrpcStatusCode.ResourceExhausted,
                $"{count} readings in one message is over the limit of {_vigil.MaxBatchItems} (Vigil:MaxBatchItems)");
        }
    }

    /// <summary>Validates every reading as the HTTP API does; any error refuses them all, named by <paramref name="where"/>.</summary>
    private List<Reading> Validate(IReadOnlyList<V1.Reading> items, long offset, bool stream)
    {
        var now = clock.GetUtcNow();
        var errors = new List<FieldError>();
        var readings = new List<Reading>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (ReadingValidator.Validate(ToInput(items[i]), i, now, errors) is { } reading)
            {
                readings.Add(reading);
            }
        }

        if (errors.Count > 0)
        {
            Observability.IngestMetrics.Rejected(Observability.IngestMetrics.Grpc, items.Count);
        }

        return errors.Count == 0
            ? readings
            : throw GrpcCall.Refusal(GrpcStatusCode.InvalidArgument, RejectedException.Invalid(errors), offset, stream);
    }

    private async Task<IngestResult> Write(GrpcCall call, List<Reading> readings)
    {
        var batch = ReadingStore.Prepare(call.Caller.Tenant, readings, clock.GetUtcNow(), Activity.Current?.Id);
        IngestResult result;
        try
        {
            result = await writer.WriteAsync(ctx => store.Ingest(ctx, batch), call.Cancelled);
        }
        catch (RejectedException)
        {
            Observability.IngestMetrics.Rejected(Observability.IngestMetrics.Grpc, readings.Count);
            throw;
        }

        Observability.IngestMetrics.Stored(Observability.IngestMetrics.Grpc, result);
        return result;
    }

    /// <summary>The proto's reading in the shape the validator takes: an unset or empty field is absent.</summary>
    private static ReadingInput ToInput(V1.Reading r) => new()
    {
        Id = r.HasId ? r.Id : null,
        PatientId = r.PatientId.Length == 0 ? null : r.PatientId,
        DeviceId = r.HasDeviceId ? r.DeviceId : null,
        Type = r.HasType ? r.Type : null,
        Code = r.HasCode ? r.Code : null,
        Unit = r.HasUnit ? r.Unit : null,
        ObservedAt = r.ObservedAt.Length == 0 ? null : r.ObservedAt,
        Value = r.ValueCase switch
        {
            V1.Reading.ValueOneofCase.Number => new InputValue(InputValueKind.Number, Number: r.Number),
            V1.Reading.ValueOneofCase.Text => new InputValue(InputValueKind.Text, Text: r.Text),
            V1.Reading.ValueOneofCase.Flag => new InputValue(InputValueKind.Flag, Flag: r.Flag),
            _ => InputValue.Missing,
        },
    };
}
