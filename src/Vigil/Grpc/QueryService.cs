using System.Globalization;
using System.Text.Json;
using Vigil.Api;
using Vigil.Domain;
using Vigil.Domain.Readings;
using Vigil.Processing.Analysis;
using Vigil.Storage;
using Vigil.Storage.Readings;
using Vigil.Storage.Reference;
using V1 = Vigil.Grpc.V1;

namespace Vigil.Grpc;

/// <summary><c>vigil.v1.QueryService</c>: a patient's latest vitals, window aggregates and NEWS2 score, as the HTTP API serves them.</summary>
internal sealed class QueryService(ReadingStore readings, WindowStore windows, IDatabase db, ReferenceStore reference)
{
    public async Task GetLatestVitalsAsync(GrpcCall call)
    {
        var (tenant, patientId) = await PatientAsync(call, await RequestAsync(call, V1.PatientRequest.Parser), static r => r.PatientId);
        var response = new V1.LatestVitals();
        foreach (var stored in await readings.LatestAsync(tenant, patientId, call.Cancelled))
        {
            response.Readings.Add(new V1.StoredReading { Reading = ToMessage(stored.Reading), ReceivedAt = Time(stored.ReceivedAt) });
        }

        await call.WriteAsync(response);
    }

    public async Task GetAggregatesAsync(GrpcCall call)
    {
        var request = await RequestAsync(call, V1.AggregatesRequest.Parser);
        var (tenant, patientId) = await PatientAsync(call, request, static r => r.PatientId);
        var errors = new List<FieldError>();
        var (type, window) = AggregateEndpoints.Series(request.Type, request.Window, errors);
        var from = FieldRules.QueryTime(request.HasFrom ? request.From : null, "from", errors);
        var to = FieldRules.QueryTime(request.HasTo ? request.To : null, "to", errors);
        if (errors.Count > 0)
        {
            throw RejectedException.Invalid(errors);
        }

        var response = new V1.Aggregates();
        foreach (var a in await windows.QueryAsync(tenant, patientId, type!, window!, from, to, call.Cancelled))
        {
            response.Items.Add(new V1.Aggregate
            {
                WindowStart = Time(a.Start), WindowEnd = Time(a.End), Count = a.Count, Min = a.Min, Max = a.Max, Mean = a.Mean, Last = a.Last,
                Final = a.Final,
            });
        }

        await call.WriteAsync(response);
    }

    public async Task GetNews2Async(GrpcCall call)
    {
        var (tenant, patientId) = await PatientAsync(call, await RequestAsync(call, V1.PatientRequest.Parser), static r => r.PatientId);
        var row = await News2ScoreStore.LatestAsync(db, tenant, patientId, call.Cancelled);
        var view = row is null ? News2Endpoints.News2View.None : News2Endpoints.News2View.From(row);
        var response = new V1.News2 { Score = view.Score, Risk = view.Risk, Complete = view.Complete };
        response.Missing.AddRange(view.Missing);
        if (view.At is { } at)
        {
            response.At = Time(at);
        }

        foreach (var p in view.Parameters.EnumerateObject())
        {
            var value = p.Value.GetProperty("value");
            response.Parameters[p.Name] = new V1.News2Parameter
            {
                Value = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText(),
                Points = p.Value.GetProperty("points").GetInt32(),
            };
        }

        await call.WriteAsync(response);
    }

    internal static async Task<T> RequestAsync<T>(GrpcCall call, Google.Protobuf.MessageParser<T> parser) where T : class, Google.Protobuf.IMessage<T> =>
        await call.ReadAsync(parser) ?? throw new GrpcException(GrpcStatusCode.Internal, "a unary call carries one request message");

    /// <summary>The caller's patient the request names: INVALID_ARGUMENT without one, NOT_FOUND when it is not the caller's customer's.</summary>
    private async Task<(string Tenant, string PatientId)> PatientAsync<T>(GrpcCall call, T request, Func<T, string> patientId)
    {
        var id = patientId(request);
        if (id.Length == 0)
        {
            throw RejectedException.Invalid("patient_id", "is required");
        }

        var tenant = call.Caller.Tenant;
        return Identifiers.IsValid(id) && await reference.PatientExistsAsync(tenant, id)
            ? (tenant, id)
            : throw RejectedException.NotFound($"Patient '{id}'");
    }

    internal static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static V1.Reading ToMessage(Reading r)
    {
        var m = new V1.Reading { Id = r.Id, PatientId = r.PatientId, Type = r.Type.Name, ObservedAt = Time(r.ObservedAt) };
        if (r.DeviceId is not null)
        {
            m.DeviceId = r.DeviceId;
        }

        if (r.Unit is not null)
        {
            m.Unit = r.Unit;
        }

        switch (r.Type.Kind)
        {
            case ValueKind.Acvpu:
                m.Text = r.Text;
                break;
            case ValueKind.Flag:
                m.Flag = r.Value == 1;
                break;
            default:
                m.Number = r.Value!.Value;
                break;
        }

        return m;
    }
}
