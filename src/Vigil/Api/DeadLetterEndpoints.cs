using System.Text.Json;
using Dapper;
using Vigil.Domain;
using Vigil.Domain.Log;
using Vigil.Processing;
using Vigil.Security;
using Vigil.Storage;
using Vigil.Storage.EventLog;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Api;

/// <summary>
/// Dead letters of the caller's customer: <c>GET /api/v1/dlq</c> lists them newest first, and
/// <c>POST /api/v1/dlq/{id}/replay</c> hands the original message once more to the consumer group that failed it
/// (after the cause was fixed: a patient re-admitted, a device reassigned).
/// </summary>
public static class DeadLetterEndpoints
{
    public sealed record DeadLetterView(
        long Id, string SourceTopic, int SourcePartition, long SourceOffset, string Group, string Reason, string? Error,
        DateTimeOffset CreatedAt, DateTimeOffset? ReplayedAt, JsonElement Message);

    public sealed record Page(IReadOnlyList<DeadLetterView> Items, string? NextCursor);

    private sealed record Row(
        long Seq, string SourceTopic, long SourcePartition, long SourceOffset, string GroupId, string Reason, string? Error,
        string MessageKey, byte[] Message, long CreatedAt, long? ReplayedAt);

    private const string Columns = "seq, source_topic, source_partition, source_offset, group_id, reason, error, message_key, message, created_at, replayed_at";

    public static RouteGroupBuilder MapDeadLetters(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/dlq").WithTags("Dead letters").RequireAuthorization(Access.Manage);
        group.MapGet("/", ListAsync);
        group.MapPost("/{id:long}/replay", ReplayAsync);
        return group;
    }

    private static async Task<IResult> ListAsync(HttpContext http, IDatabase db, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        var take = limit ?? 100;
        if (take is < 1 or > 1000)
        {
            return Problems.Invalid("limit", "must be between 1 and 1000");
        }

        long? before = null;
        if (cursor is not null)
        {
            if (!long.TryParse(cursor, out var parsed))
            {
                return Problems.Invalid("cursor", "is not a cursor this API returned");
            }

            before = parsed;
        }

        await using var connection = db.Open();
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM dead_letters WHERE customer_id = @customerId AND (@before IS NULL OR seq < @before) ORDER BY seq DESC LIMIT @take",
            new { customerId = Caller.From(http.User).Tenant, before, take = take + 1 }, cancellationToken: cancellationToken))).ToList();
        var more = rows.Count > take;
        var page = rows.Take(take).Select(View).ToList();
        return TypedResults.Ok(new Page(page, more ? page[^1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : null));
    }

    private static async Task<IResult> ReplayAsync(HttpContext http, GroupCommitter writer, IEventLog log, long id, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        await writer.WriteAsync(ctx =>
        {
            var row = ctx.Connection.QuerySingleOrDefault<Row>(
                $"SELECT {Columns} FROM dead_letters WHERE customer_id = @tenant AND seq = @id", new { tenant, id }, ctx.Transaction)
                ?? throw RejectedException.NotFound($"Dead letter {id}");
            if (row.ReplayedAt is not null)
            {
                throw new RejectedException(RejectionKind.Conflict, $"Dead letter {id} was replayed already.");
            }

            log.Append(ctx, [new LogMessage(LogConsumerService.ReplayTopic(row.GroupId), row.MessageKey, row.Message)]);
            ctx.Connection.Execute("UPDATE dead_letters SET replayed_at = @now WHERE seq = @id",
                new { id, now = EventTime.ToMicros(ctx.Now) }, ctx.Transaction);
        }, cancellationToken);
        return TypedResults.Accepted($"/api/v1/dlq/{id}", new { replayed = id });
    }

    private static DeadLetterView View(Row r)
    {
        using var message = JsonDocument.Parse(r.Message);
        return new DeadLetterView(r.Seq, r.SourceTopic, (int)r.SourcePartition, r.SourceOffset, r.GroupId, r.Reason, r.Error,
            EventTime.FromMicros(r.CreatedAt), r.ReplayedAt is { } at ? EventTime.FromMicros(at) : null, message.RootElement.Clone());
    }
}
