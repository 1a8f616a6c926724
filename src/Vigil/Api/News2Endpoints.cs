using System.Text.Json;
using Vigil.Domain;
using Vigil.Domain.Scoring;
using Vigil.Processing.Analysis;
using Vigil.Security;
using Vigil.Storage;
using Vigil.Storage.Reference;
using Vigil.Storage.Sqlite;

namespace Vigil.Api;

/// <summary>A patient's NEWS2 score (the latest) and its history, as the analyze role records them.</summary>
public static class News2Endpoints
{
    public sealed record News2View(int Score, string Risk, JsonElement Parameters, IReadOnlyList<string> Missing, bool Complete, DateTimeOffset? At)
    {
        private static readonly JsonElement NoParameters = JsonDocument.Parse("{}").RootElement.Clone();

        /// <summary>Before any NEWS2 reading: nothing scored, everything missing.</summary>
        public static News2View None { get; } = new(0, News2Risk.Low, NoParameters, News2Parameter.All, false, null);

        internal static News2View From(News2ScoreStore.Row row)
        {
            using var parameters = JsonDocument.Parse(row.Parameters);
            return new News2View(
                (int)row.Score, row.Risk, parameters.RootElement.Clone(), JsonSerializer.Deserialize<List<string>>(row.Missing)!,
                row.Complete == 1, EventTime.FromMicros(row.At));
        }
    }

    public sealed record News2History(IReadOnlyList<News2View> Items);

    public static RouteGroupBuilder MapNews2(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/patients/{patientId}/news2").WithTags("NEWS2");
        group.MapGet("/", LatestAsync).RequireAuthorization(Access.Read)
            .Produces<News2View>().ProducesProblem(404);
        group.MapGet("/history", HistoryAsync).RequireAuthorization(Access.Read)
            .Produces<News2History>().ProducesProblem(404).ProducesProblem(422);
        return group;
    }

    private static async Task<IResult> LatestAsync(
        HttpContext http, IDatabase db, ReferenceStore reference, string patientId, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        if (!await reference.PatientExistsAsync(tenant, patientId))
        {
            return Problems.NotFound($"Patient '{patientId}'");
        }

        var latest = await News2ScoreStore.LatestAsync(db, tenant, patientId, cancellationToken);
        return TypedResults.Ok(latest is null ? News2View.None : News2View.From(latest));
    }

    private static async Task<IResult> HistoryAsync(
        HttpContext http, IDatabase db, ReferenceStore reference, string patientId, string? from, string? to, string? limit,
        CancellationToken cancellationToken)
    {
        var (range, problem) = await PatientRange.ReadAsync(http, reference, patientId, from, to, limit);
        if (range is null)
        {
            return problem!;
        }

        var rows = await News2ScoreStore.HistoryAsync(db, range.Tenant, patientId, range.From, range.To, range.Limit, cancellationToken);
        return TypedResults.Ok(new News2History(rows.Select(News2View.From).ToList()));
    }
}
